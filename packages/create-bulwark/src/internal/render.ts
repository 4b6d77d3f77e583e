import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBulwarkError } from '../create-bulwark.error.js';
import type { CreateOptions } from '../options.js';
import { invalidKubernetesNameReason, renameManifests } from './kubernetes.js';
import { removeDatabase } from './without-database.js';

/**
 * Template files stored under another name, so that they are neither ignored nor acted on in
 * this repository (a `.gitignore` would apply here, a `biome.json` would become a nested config).
 */
const RENAMED_FILES: Readonly<Record<string, string>> = {
  _gitignore: '.gitignore',
  _dockerignore: '.dockerignore',
  '_env.example': '.env.example',
  '_biome.json': 'biome.json',
  _github: '.github',
};

/** Folders of the template that are never copied. */
const SKIPPED = new Set([
  '_variants',
  'node_modules',
  'dist',
  '.bulwark',
  'test-results',
  'coverage',
]);

/** Files of the example resource, removed with `--no-example`. */
const EXAMPLE_PATHS = [
  'src/notes',
  'test/notes.e2e-spec.ts',
  'test/notes.conformance.ts',
  'migrations/0001_create_notes.sql',
];

/** Overlays from `_variants/<name>`, applied over the base in this order. */
function variantsOf(options: CreateOptions): string[] {
  return [
    ...(options.adapter === 'express' ? ['express'] : []),
    ...(options.redis ? ['redis'] : []),
    ...(options.tls ? ['tls'] : []),
    // Both change the Deployment: their combination is a file of its own.
    ...(options.redis && options.tls ? ['redis-tls'] : []),
    ...(options.messaging ? ['messaging'] : []),
    ...(options.example ? [] : ['no-example']),
    // The notes in memory; removeDatabase() takes out the rest of the data layer.
    ...(options.db === 'none' ? ['db-none'] : []),
  ];
}

/** The template folder: bundled in the published package, or `templates/service` of the repo. */
export function templateDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, '..', '..', 'template'),
    join(here, '..', '..', '..', '..', 'templates', 'service'),
  ]) {
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new CreateBulwarkError(
    'TEMPLATE_MISSING',
    `the service template was not found next to ${here}`,
  );
}

/** The `@bulwark/*` packages the template depends on directly. */
export function bulwarkDependencies(template = templateDir()): string[] {
  const manifest = readManifest(join(template, 'package.json'));
  return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
    .filter((name) => name.startsWith('@bulwark/'))
    .sort();
}

/**
 * Copies the template with its overlays into `target` (an empty folder), rewrites package.json,
 * and names the Kubernetes objects after the package (without its scope).
 */
export function renderTemplate(
  target: string,
  options: CreateOptions,
  template = templateDir(),
): void {
  const reason = invalidKubernetesNameReason(options.name);
  if (reason) {
    throw new CreateBulwarkError('USAGE', `the name "${options.name}" ${reason}`, '--name');
  }
  copyTree(template, target);
  for (const variant of variantsOf(options)) copyTree(join(template, '_variants', variant), target);
  if (!options.example) {
    for (const path of EXAMPLE_PATHS) rmSync(join(target, path), { recursive: true, force: true });
  }
  if (options.db === 'none') removeDatabase(target);
  renameManifests(target, options.name);
  const file = join(target, 'package.json');
  const manifest = readManifest(file);
  manifest.name = options.name;
  const unused =
    options.adapter === 'express' ? '@nestjs/platform-fastify' : '@nestjs/platform-express';
  delete manifest.dependencies?.[unused];
  if (!options.messaging) delete manifest.dependencies?.['@bulwark/messaging'];
  if (options.packageManager === 'pnpm') manifest.packageManager = 'pnpm@10.34.9';
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Points every `@bulwark/*` dependency at its tarball in `vendor/`, and overrides every vendored
 * package for transitive users too: packed packages depend on each other by version (such as
 * `@bulwark/service` on `@bulwark/auth`), which the registry may not have yet.
 */
export function useVendoredPackages(
  target: string,
  tarballs: ReadonlyMap<string, string>,
  packageManager: CreateOptions['packageManager'],
): void {
  const file = join(target, 'package.json');
  const manifest = readManifest(file);
  const overrides: Record<string, string> = {};
  for (const [name, tarball] of tarballs) {
    const spec = `file:vendor/${tarball}`;
    let direct = false;
    for (const field of ['dependencies', 'devDependencies'] as const) {
      if (manifest[field]?.[name] === undefined) continue;
      manifest[field][name] = spec;
      direct = true;
    }
    // npm refuses an override that differs from a direct dependency's spec unless it refers to
    // it with `$name`; a package that is only a transitive dependency takes the spec itself.
    overrides[name] = packageManager === 'npm' && direct ? `$${name}` : spec;
  }
  if (packageManager === 'npm') manifest.overrides = { ...manifest.overrides, ...overrides };
  else
    manifest.pnpm = { ...manifest.pnpm, overrides: { ...manifest.pnpm?.overrides, ...overrides } };
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

interface Manifest {
  name?: string;
  packageManager?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
  pnpm?: { overrides?: Record<string, string> };
  [key: string]: unknown;
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

function copyTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const name = RENAMED_FILES[entry.name] ?? entry.name;
    cpSync(join(from, entry.name), join(to, name), {
      recursive: true,
      force: true,
      filter: (source) => !SKIPPED.has(source.split('/').pop() ?? ''),
    });
  }
}
