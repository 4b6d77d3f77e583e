import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TEXT = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');

/** `pkg · file.ts` in the pipeline diagram and the notes under it, as repository paths. */
function diagramFiles(): string[] {
  return [...TEXT.matchAll(/([a-z-]+) · `?([\w./-]+\.ts)/g)].map(([, pkg, file]) =>
    join('packages', pkg as string, 'src', file as string),
  );
}

/** The package map's `src/…` entries, under the package its row links to. */
function mapFiles(): string[] {
  const files: string[] = [];
  for (const line of TEXT.split('\n')) {
    const dir = line.match(/\]\((packages\/[a-z-]+)\/README\.md\)/)?.[1];
    if (!dir) continue;
    for (const [, file] of line.matchAll(/`(src\/[^`]+\.ts)`/g))
      files.push(join(dir, file as string));
  }
  return files;
}

describe('ARCHITECTURE.md', () => {
  it('names only files that exist, in the diagram and in the package map', () => {
    const named = [...diagramFiles(), ...mapFiles()];
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((file) => !existsSync(join(ROOT, file)))).toEqual([]);
  });

  it('links a README for every published package', () => {
    const packages = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8').includes('packages/*');
    expect(packages).toBe(true);
    const linked = new Set(
      [...TEXT.matchAll(/\((packages\/[a-z-]+)\/README\.md\)/g)].map((m) => m[1]),
    );
    for (const name of [
      'core',
      'auth',
      'authz',
      'rate-limit',
      'errors',
      'http',
      'logging',
      'health',
      'shutdown',
      'metrics',
      'tracing',
      'secrets',
      'client',
      'messaging',
      'database',
      'service',
      'testing',
      'create-bulwark',
    ]) {
      expect(linked.has(`packages/${name}`), name).toBe(true);
      expect(existsSync(join(ROOT, 'packages', name, 'README.md')), name).toBe(true);
    }
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('(ARCHITECTURE.md)');
  });
});
