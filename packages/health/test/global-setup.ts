import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

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

/** Compiles the fixture apps the e2e tests spawn (they import the built dist of the packages). */
export default function setup(): void {
  if (newest(`${fixtures}/dist`, '.js') > newest(fixtures, '.ts')) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', `${fixtures}/tsconfig.json`], { stdio: 'inherit' });
}
