import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

function newest(directory: string, extension: string): number {
  try {
    return Math.max(
      0,
      ...readdirSync(directory)
        .filter((name) => name.endsWith(extension))
        .map((name) => statSync(`${directory}/${name}`).mtimeMs),
    );
  } catch {
    return 0;
  }
}

/**
 * Compiles the TypeScript fixture apps in `directory` (with its own `tsconfig.json`) that
 * end-to-end tests spawn as real processes. Skips the compile when `dist` is newer than every
 * source. Call it from a Vitest `globalSetup`.
 *
 * @example
 * ```ts
 * export default () => compileFixtures(fileURLToPath(new URL('./fixtures/', import.meta.url)));
 * ```
 */
export function compileFixtures(directory: string): void {
  if (newest(`${directory}/dist`, '.js') > newest(directory, '.ts')) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', `${directory}/tsconfig.json`], { stdio: 'inherit' });
}
