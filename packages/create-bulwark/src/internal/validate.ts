import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { usage } from '../args.js';
import { CreateBulwarkError } from '../create-bulwark.error.js';
import { invalidNameReason } from '../options.js';
import { invalidKubernetesNameReason } from './kubernetes.js';

/**
 * The package name: `--name`, or else the directory's base name. It also names the Kubernetes
 * objects (without its scope), so it must be a valid Kubernetes name too. Throws naming the flag.
 */
export function resolveName(directory: string, name: string | undefined): string {
  if (name !== undefined) {
    const reason = invalidNameReason(name);
    if (reason) throw usage('--name', `--name "${name}" is not a valid package name: it ${reason}`);
    const k8s = invalidKubernetesNameReason(name);
    if (k8s) {
      throw usage('--name', `--name "${name}" ${k8s}: pass --name <name>, such as --name orders`);
    }
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
  const k8s = invalidKubernetesNameReason(base);
  if (k8s) {
    throw usage(
      '--name',
      `the directory name "${base}" ${k8s}: pass --name <name>, such as --name orders`,
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
 * Finds every `@bulwark/*` package the service needs in a checkout (`packages/*`, built) or in
 * a folder of tarballs (such as another service's `vendor/`): the direct dependencies given, and
 * every `@bulwark/*` package they depend on in turn, because none of them is on the registry yet.
 */
export function resolveLocal(path: string, direct: readonly string[]): LocalSource[] {
  const root = resolve(path);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw usage('--local', `--local ${path}: no such directory`);
  }
  const found = readdirSync(root).some((file) => /^bulwark-.+\.tgz$/.test(file))
    ? tarballsIn(root, path)
    : checkoutPackages(root, path);
  const sources = new Map<string, LocalSource>();
  const visit = (name: string, neededBy: string | undefined) => {
    if (sources.has(name)) return;
    const entry = found.get(name);
    if (entry === undefined) {
      const by = neededBy === undefined ? '' : ` (a dependency of ${neededBy})`;
      const where =
        found.kind === 'tarballs'
          ? `no tarball of ${name}${by} (${tarballPrefix(name)}<version>.tgz)`
          : `the checkout has no ${name}${by}`;
      throw usage('--local', `--local ${path}: ${where}`);
    }
    sources.set(name, entry.source);
    for (const dependency of entry.dependencies) visit(dependency, name);
  };
  for (const name of direct) visit(name, undefined);
  for (const source of sources.values()) {
    if (source.kind === 'checkout' && !existsSync(join(source.dir, 'dist'))) {
      throw new CreateBulwarkError(
        'LOCAL_CHECKOUT',
        `--local ${path}: ${source.name} is not built (no ${join(source.dir, 'dist')}): run "pnpm build" in the checkout first`,
        '--local',
      );
    }
  }
  return [...sources.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface LocalPackage {
  source: LocalSource;
  /** Its `@bulwark/*` runtime dependencies. */
  dependencies: string[];
}

type LocalPackages = Map<string, LocalPackage> & { kind: 'tarballs' | 'checkout' };

function tarballPrefix(name: string): string {
  return `${name.replace('@', '').replace('/', '-')}-`;
}

function bulwarkDependenciesOf(manifest: { dependencies?: Record<string, string> }): string[] {
  return Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@bulwark/'));
}

function checkoutPackages(root: string, path: string): LocalPackages {
  const packagesDir = join(root, 'packages');
  if (!existsSync(packagesDir)) {
    throw usage(
      '--local',
      `--local ${path}: not a Bulwark checkout (no packages/ folder) nor a folder of @bulwark tarballs`,
    );
  }
  const found = Object.assign(new Map<string, LocalPackage>(), { kind: 'checkout' as const });
  for (const entry of readdirSync(packagesDir)) {
    const file = join(packagesDir, entry, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
      name?: string;
      dependencies?: Record<string, string>;
    };
    if (!manifest.name) continue;
    found.set(manifest.name, {
      source: { kind: 'checkout', name: manifest.name, dir: join(packagesDir, entry) },
      dependencies: bulwarkDependenciesOf(manifest),
    });
  }
  return found;
}

function tarballsIn(root: string, path: string): LocalPackages {
  const found = Object.assign(new Map<string, LocalPackage>(), { kind: 'tarballs' as const });
  for (const file of readdirSync(root).filter((f) => /^bulwark-.+\.tgz$/.test(f))) {
    // The package.json inside names the package and its dependencies: file names are ambiguous
    // (bulwark-rate-limit-0.1.0.tgz).
    const read = spawnSync('tar', ['-xzOf', join(root, file), 'package/package.json'], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (read.status !== 0) {
      throw usage('--local', `--local ${path}: ${file} is not a readable npm package tarball`);
    }
    const manifest = JSON.parse(read.stdout) as {
      name?: string;
      dependencies?: Record<string, string>;
    };
    if (!manifest.name?.startsWith('@bulwark/')) continue;
    found.set(manifest.name, {
      source: { kind: 'tarball', name: manifest.name, file: join(root, file) },
      dependencies: bulwarkDependenciesOf(manifest),
    });
  }
  return found;
}
