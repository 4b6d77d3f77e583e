import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CreateBulwarkError } from '../create-bulwark.error.js';
import { run } from './run.js';
import type { LocalSource } from './validate.js';

/** The pnpm that packs: it turns `workspace:*` and `catalog:` specifiers into versions. */
export const PNPM = 'pnpm@10.34.9';

/** Packs (or copies) the local packages into `vendor`; returns package name → tarball file name. */
export async function packLocal(
  sources: readonly LocalSource[],
  vendor: string,
): Promise<Map<string, string>> {
  mkdirSync(vendor, { recursive: true });
  const tarballs = new Map<string, string>();
  for (const source of sources) {
    if (source.kind === 'tarball') {
      copyFileSync(source.file, join(vendor, basename(source.file)));
      tarballs.set(source.name, basename(source.file));
      continue;
    }
    const before = new Set(readdirSync(vendor));
    const result = await run(
      'npx',
      ['--yes', PNPM, 'pack', '--pack-destination', vendor],
      source.dir,
    );
    const created = readdirSync(vendor).filter(
      (file) => file.endsWith('.tgz') && !before.has(file),
    );
    if (result.status !== 0 || created.length !== 1) {
      throw new CreateBulwarkError(
        'PACK_FAILED',
        `--local: packing ${source.name} in ${source.dir} failed:\n${result.output.trim()}`,
        '--local',
      );
    }
    tarballs.set(source.name, created[0] as string);
  }
  return tarballs;
}
