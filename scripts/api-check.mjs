#!/usr/bin/env node
// Prints every published entry point's export list and compares it with the reviewed snapshot in
// api/. A change to a package's public API then shows up in review as a change to api/.
//
//   node scripts/api-check.mjs            compare (exit 1 and print the difference on a change)
//   node scripts/api-check.mjs --update   rewrite the snapshots from the built packages
//   --snapshots <dir>                      compare with (or write) another folder than api/
//   --only <name,...>                      only these packages (e.g. --only core,http)
//
// It reads the built declaration files (dist/**/*.d.ts), so run it after `pnpm build`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const snapshotsFlag = process.argv.indexOf('--snapshots');
const SNAPSHOTS = snapshotsFlag > 0 ? process.argv[snapshotsFlag + 1] : join(ROOT, 'api');
if (!SNAPSHOTS) {
  console.error('api: --snapshots needs a folder, e.g. --snapshots api');
  process.exit(2);
}
const update = process.argv.includes('--update');
const onlyFlag = process.argv.indexOf('--only');
const only = onlyFlag > 0 ? process.argv[onlyFlag + 1]?.split(',') : undefined;
if (onlyFlag > 0 && !only) {
  console.error('api: --only needs package names, e.g. --only core,http');
  process.exit(2);
}

/** Each symbol kind as it is written in a snapshot, most specific first. */
const KINDS = [
  [ts.SymbolFlags.Class, 'class'],
  [ts.SymbolFlags.Function, 'function'],
  [ts.SymbolFlags.Enum, 'enum'],
  [ts.SymbolFlags.Interface, 'interface'],
  [ts.SymbolFlags.TypeAlias, 'type'],
  [ts.SymbolFlags.Variable, 'const'],
  [ts.SymbolFlags.Namespace, 'namespace'],
];

function kindOf(symbol, checker) {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const kinds = KINDS.filter(([flag]) => target.flags & flag).map(([, name]) => name);
  return kinds.length > 0 ? kinds.join('+') : 'unknown';
}

/** The `types` file of every entry point a package publishes, by subpath. */
function entryPoints(packageDir, manifest) {
  const entries = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (subpath === './package.json') continue;
    const types = typeof target === 'object' ? target.types : undefined;
    if (!types) continue;
    entries.push({ subpath, file: join(packageDir, types) });
  }
  return entries;
}

function exportList(program, file) {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) return [];
  return checker
    .getExportsOfModule(module)
    .map((symbol) => `${kindOf(symbol, checker)} ${symbol.getName()}`)
    .sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]));
}

function manifestOf(packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  return manifest.private || !manifest.exports ? undefined : manifest;
}

function snapshotOf(program, packageDir, manifest) {
  const sections = [];
  let count = 0;
  for (const { subpath, file } of entryPoints(packageDir, manifest)) {
    const names = exportList(program, file);
    count += names.length;
    sections.push(`## ${subpath}\n\n${names.join('\n')}\n`);
  }
  return { name: manifest.name, count, text: `# ${manifest.name}\n\n${sections.join('\n')}` };
}

const packages = readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(ROOT, 'packages', entry.name))
  .filter((dir) => existsSync(join(dir, 'package.json')));

const published = packages
  .map((dir) => ({ dir, manifest: manifestOf(dir) }))
  .filter((entry) => entry.manifest !== undefined)
  .filter(({ manifest }) => !only || only.includes(manifest.name.replace(/^@bulwark\//, '')));
const files = published.flatMap(({ dir, manifest }) =>
  entryPoints(dir, manifest).map((entry) => entry.file),
);
const missing = files.filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(`api: ${missing.join(', ')} missing. Run \`pnpm build\` first.`);
  process.exit(1);
}
// One program for every entry point: the packages share most of their declarations.
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
  noEmit: true,
});

let changed = 0;
mkdirSync(SNAPSHOTS, { recursive: true });
for (const { dir, manifest } of published) {
  const snapshot = snapshotOf(program, dir, manifest);
  const path = join(SNAPSHOTS, `${snapshot.name.replace(/^@bulwark\//, '')}.api.md`);
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (update) {
    writeFileSync(path, snapshot.text);
    console.log(`api: ${snapshot.name}: ${snapshot.count} exports`);
    continue;
  }
  if (before === snapshot.text) {
    console.log(`api: ${snapshot.name}: ${snapshot.count} exports, unchanged`);
    continue;
  }
  changed += 1;
  const old = new Set(before.split('\n'));
  const now = new Set(snapshot.text.split('\n'));
  console.error(`api: ${snapshot.name} changed its public API (${path}):`);
  for (const line of now) if (!old.has(line)) console.error(`  + ${line}`);
  for (const line of old) if (!now.has(line)) console.error(`  - ${line}`);
}
if (changed > 0) {
  console.error(
    `api: ${changed} package(s) changed their exports. If that is intended, run \`pnpm api:update\` and commit api/ with the change, so that the review sees it.`,
  );
  process.exit(1);
}
