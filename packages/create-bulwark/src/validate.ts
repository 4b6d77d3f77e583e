import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { usage } from './args.js';
import { CreateBulwarkError } from './create-bulwark-error.js';

const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * Checks an npm package name (npm's rules for new packages). Returns the reason it is invalid,
 * or `undefined` when it is valid.
 */
export function invalidNameReason(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 214) return 'is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'has upper-case letters';
  if (name.trim() !== name) return 'has leading or trailing spaces';
  if (/^[._]/.test(name)) return 'starts with "." or "_"';
  if (['node_modules', 'favicon.ico'].includes(name)) return 'is a reserved name';
  if (!NAME.test(name)) return 'may only hold a-z, 0-9, "-", ".", "_", "~" and one "@scope/"';
  return undefined;
}

/** The package name: `--name`, or else the directory's base name. Throws naming the flag. */
export function resolveName(directory: string, name: string | undefined): string {
  if (name !== undefined) {
    const reason = invalidNameReason(name);
    if (reason) throw usage('--name', `--name "${name}" is not a valid package name: it ${reason}`);
    return name;
  }
  const base = basename(directory);
  const reason = invalidNameReason(base);
  if (reason) {
    throw usage(
      '--name',
      `the directory name "${base}" is not a valid package name (it ${reason}): pass --name <pkg>`,
    );
  }
  return base;
}

/** Refuses a target that is a file, or a non-empty directory without `--force`. */
export function checkTarget(directory: string, force: boolean): void {
  if (!existsSync(directory)) return;
  if (!statSync(directory).isDirectory()) {
    throw new CreateBulwarkError('TARGET_NOT_EMPTY', `${directory} exists and is not a directory`);
  }
  if (readdirSync(directory).length > 0 && !force) {
    throw new CreateBulwarkError(
      'TARGET_NOT_EMPTY',
      `${directory} is not empty: choose another directory, or pass --force to write into it`,
      '--force',
    );
  }
}

/** Where a local `@bulwark/*` package comes from. */
export type LocalSource =
  | { kind: 'checkout'; name: string; dir: string }
  | { kind: 'tarball'; name: string; file: string };

/**
 * Finds every needed `@bulwark/*` package in a checkout (`packages/*`, built) or in a folder of
 * tarballs (such as another service's `vendor/`).
 */
export function resolveLocal(path: string, needed: readonly string[]): LocalSource[] {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw usage('--local', `--local ${path}: no such directory`);
  }
  const tarballs = readdirSync(root).filter((file) => /^bulwark-.+\.tgz$/.test(file));
  if (tarballs.length > 0) {
    return needed.map((name) => {
      const prefix = `${name.replace('@', '').replace('/', '-')}-`;
      const file = tarballs.find((t) => t.startsWith(prefix) && /^\d/.test(t.slice(prefix.length)));
      if (file === undefined) {
        throw usage('--local', `--local ${path}: no tarball of ${name} (${prefix}<version>.tgz)`);
      }
      return { kind: 'tarball', name, file: join(root, file) };
    });
  }
  const packagesDir = join(root, 'packages');
  if (!existsSync(packagesDir)) {
    throw usage(
      '--local',
      `--local ${path}: not a Bulwark checkout (no packages/ folder) nor a folder of @bulwark tarballs`,
    );
  }
  const byName = new Map<string, string>();
  for (const entry of readdirSync(packagesDir)) {
    const manifest = join(packagesDir, entry, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
    if (name) byName.set(name, join(packagesDir, entry));
  }
  return needed.map((name) => {
    const dir = byName.get(name);
    if (dir === undefined) throw usage('--local', `--local ${path}: the checkout has no ${name}`);
    if (!existsSync(join(dir, 'dist'))) {
      throw new CreateBulwarkError(
        'LOCAL_CHECKOUT',
        `--local ${path}: ${name} is not built (no ${join(dir, 'dist')}): run "pnpm build" in the checkout first`,
        '--local',
      );
    }
    return { kind: 'checkout', name, dir };
  });
}
