import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root folder. */
export const ROOT = join(import.meta.dirname, '..', '..', '..');

/** One package's reviewed snapshot in api/: its file name and each entry point's exports. */
export interface ApiSnapshot {
  file: string;
  /** `@bulwark/core/pipeline` → the names it exports, in snapshot order. */
  entries: Map<string, string[]>;
}

/** Every snapshot in api/, as `scripts/api-check.mjs` writes them. */
export function apiSnapshots(): ApiSnapshot[] {
  return readdirSync(join(ROOT, 'api')).map((file) => {
    const text = readFileSync(join(ROOT, 'api', file), 'utf8');
    const name = text.match(/^# (\S+)/)?.[1] as string;
    const entries = new Map<string, string[]>();
    let names: string[] | undefined;
    for (const line of text.split('\n')) {
      const section = line.match(/^## \.(\/[\w-]+)?$/);
      if (section) {
        names = [];
        entries.set(`${name}${section[1] ?? ''}`, names);
      } else if (names && /^\w+(\+\w+)* \w+$/.test(line)) {
        names.push(line.split(' ')[1] as string);
      }
    }
    return { file, entries };
  });
}
