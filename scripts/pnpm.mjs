// Runs the pinned pnpm through npx: corepack cannot verify registry signatures on our machines.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

/** Runs `pnpm <args>` in the repository root and returns its exit status. */
export function pnpmStatus(...args) {
  const result = spawnSync('npx', ['--yes', packageManager, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...process.env },
  });
  return result.status ?? 1;
}

/** Runs `pnpm <args>` in the repository root; exits the process when it fails. */
export function pnpm(...args) {
  const status = pnpmStatus(...args);
  if (status !== 0) process.exit(status);
}

if (import.meta.url === `file://${process.argv[1]}`) pnpm(...process.argv.slice(2));
