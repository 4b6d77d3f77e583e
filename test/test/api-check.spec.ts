import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'api-check.mjs');

function check(snapshots: string, ...flags: string[]) {
  return spawnSync(process.execPath, [SCRIPT, '--snapshots', snapshots, ...flags], {
    encoding: 'utf8',
  });
}

describe('scripts/api-check.mjs (the public API snapshot)', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  function copyOfSnapshots(): string {
    const folder = mkdtempSync(join(tmpdir(), 'bulwark-api-'));
    folders.push(folder);
    cpSync(join(ROOT, 'api'), folder, { recursive: true });
    return folder;
  }

  it('passes when every package exports exactly what api/ records', () => {
    const result = check(copyOfSnapshots());
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/api: @bulwark\/auth: \d+ exports, unchanged/);
  });

  it('fails naming the package and the export when an export is not in the snapshot', () => {
    const folder = copyOfSnapshots();
    const file = join(folder, 'auth.api.md');
    const lines = readFileSync(file, 'utf8').split('\n');
    const dropped = lines.find((line) => line === 'class AuthModule');
    expect(dropped).toBeDefined();
    writeFileSync(file, lines.filter((line) => line !== dropped).join('\n'));

    const result = check(folder);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@bulwark/auth changed its public API');
    expect(result.stderr).toContain('+ class AuthModule');
    expect(result.stderr).toContain('pnpm api:update');
  });

  it('fails naming the export a package no longer has', () => {
    const folder = copyOfSnapshots();
    const file = join(folder, 'core.api.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('## .\n\n', '## .\n\nfunction removedHelper\n'),
    );

    const result = check(folder);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('@bulwark/core changed its public API');
    expect(result.stderr).toContain('- function removedHelper');
  });

  it('checks only the packages --only names, and refuses --only without names', () => {
    const folder = copyOfSnapshots();
    const file = join(folder, 'core.api.md');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('## .\n\n', '## .\n\nfunction removedHelper\n'),
    );

    const others = check(folder, '--only', 'http');
    expect(others.status).toBe(0);
    expect(others.stdout).toMatch(/api: @bulwark\/http: \d+ exports, unchanged/);
    expect(others.stdout).not.toContain('@bulwark/core');

    const core = check(folder, '--only', 'core');
    expect(core.status).toBe(1);
    expect(core.stderr).toContain('- function removedHelper');

    const bare = check(folder, '--only');
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('--only needs package names');
  });
});
