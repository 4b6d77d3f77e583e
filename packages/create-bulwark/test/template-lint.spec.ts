import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';

/*
 * The generated service runs `biome check .` in its own CI and in the generate suite, which
 * takes minutes. This renders each variant without installing and runs the same Biome version
 * (the workspace's, pinned like the template's) with the service's own configuration, so a
 * template edit that the service's lint would refuse (a README table, an import order) fails in
 * seconds, naming the file.
 */
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const VARIANTS = [
  [],
  ['--adapter', 'express', '--redis'],
  ['--no-example'],
  ['--tls'],
  ['--messaging'],
  ['--db', 'none'],
  ['--db', 'none', '--no-example', '--messaging'],
] as const;

describe('the generated service passes its own lint', () => {
  const work = tempDir('lint');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(VARIANTS.map((args) => [args.join(' ') || '(defaults)', args] as const))(
    '%s',
    async (_label, args) => {
      const name = `svc${VARIANTS.indexOf(args)}`;
      const created = await runCli([name, '--no-install', '--yes', ...args], work);
      expect(created.status, created.stderr).toBe(0);
      const lint = spawnSync(process.execPath, [biome, 'check', '.'], {
        cwd: join(work, name),
        encoding: 'utf8',
      });
      expect(lint.status, `${lint.stdout}\n${lint.stderr}`.slice(-6000)).toBe(0);
    },
  );
});
