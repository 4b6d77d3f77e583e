import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiSnapshots, ROOT } from './support/api-snapshots.js';

/** Every entry point of every package → its exported names, from the snapshots in api/. */
function exportsByEntryPoint(): Map<string, Set<string>> {
  return new Map(
    apiSnapshots().flatMap(({ entries }) =>
      [...entries].map(([entry, names]) => [entry, new Set(names)] as const),
    ),
  );
}

interface DocImport {
  file: string;
  from: string;
  name: string;
}

/** Every `import { … } from '@bulwark/…'` (or `create-bulwark…`) in the Markdown the repository tracks. */
function documentedImports(): DocImport[] {
  const files = execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file && !file.startsWith('api/') && !file.includes('CHANGELOG'));
  const found: DocImport[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const pattern =
      /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'((?:@bulwark\/|create-bulwark)[\w/-]*)'/g;
    for (const [, list, from] of text.matchAll(pattern)) {
      for (const spec of (list as string).split(',')) {
        const name = spec
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0];
        if (name && /^\w+$/.test(name)) found.push({ file, from: from as string, name });
      }
    }
  }
  return found;
}

describe('imports shown in the documentation', () => {
  it('name only exports of the entry point they import from (api/ snapshots)', () => {
    const entries = exportsByEntryPoint();
    const imports = documentedImports();
    expect(imports.length).toBeGreaterThan(50);
    const wrong = imports
      .filter(({ from, name }) => !entries.get(from)?.has(name))
      .map(({ file, from, name }) => `${file}: ${name} from '${from}'`);
    expect(wrong).toEqual([]);
  });
});
