// `npm start`: the main job. Builds the scaffolder and the @bulwark packages of this checkout,
// generates a service from them into .demo/service (packed into its vendor/, as `--local` does),
// installs and builds it, starts it in development mode (embedded dev issuer, memory store,
// embedded PGlite in .demo/service/.data: no database server),
// checks that a dev token is accepted on /v1/notes, and prints that working curl.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
const demo = join(root, '.demo');
const target = join(demo, 'service');
const stampFile = join(demo, 'service.stamp');
const port = process.env.PORT ?? '3000';
const base = `http://127.0.0.1:${port}`;

pnpm('install', '--frozen-lockfile');
// The scaffolder, and @bulwark/service, @bulwark/database and @bulwark/testing with every
// package they depend on.
pnpm(
  'exec',
  'turbo',
  'run',
  'build',
  '--filter=create-bulwark',
  '--filter=@bulwark/service...',
  '--filter=@bulwark/database...',
  '--filter=@bulwark/testing...',
);

// Generate again only when the template or a package changed since the last run: an install
// takes a minute, and the dev issuer's key (.bulwark/) survives a regeneration.
const stamp = fingerprint();
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
if (stamp !== current || !existsSync(join(target, 'node_modules'))) {
  // Start from a clean folder (files of an older template would linger), keeping the dev key.
  if (existsSync(target)) {
    for (const entry of readdirSync(target)) {
      if (entry !== '.bulwark') rmSync(join(target, entry), { recursive: true, force: true });
    }
  }
  run(process.execPath, [
    join(root, 'packages/create-bulwark/dist/cli.js'),
    target,
    '--local',
    root,
    '--yes',
    '--force',
  ]);
  mkdirSync(demo, { recursive: true });
  writeFileSync(stampFile, stamp);
}
run('npm', ['run', 'build'], target);

const env = { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: port };
// The service and its `token` script must agree on the dev issuer: no AUTH_* from this shell.
for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL']) delete env[name];
const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
  cwd: target,
  stdio: 'inherit',
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));

const token = spawnSync(
  'npm',
  ['run', '--silent', 'token', '--', '--sub', 'alice', '--scope', 'notes:read notes:write'],
  { cwd: target, encoding: 'utf8', env },
).stdout.trim();
const status = await probe(token);
if (status !== 200) {
  console.error(`\nThe service did not accept a dev token on ${base}/v1/notes (status ${status}).`);
  child.kill('SIGTERM');
  process.exitCode = 1;
} else {
  console.log(`
Service generated in ${target}, running on ${base} (development mode: embedded dev issuer,
in-memory rate limits, notes in embedded PGlite under .demo/service/.data). Try:

  curl -i ${base}/health/ready
  curl -i -H "Authorization: Bearer ${token}" ${base}/v1/notes
  curl -i -H "Authorization: Bearer ${token}" -H 'content-type: application/json' \\
       -d '{"title":"hello","body":"world"}' ${base}/v1/notes

A new token: cd .demo/service && npm run token -- --sub alice --scope "notes:read notes:write" --role admin
Metrics: curl http://127.0.0.1:${process.env.METRICS_PORT ?? '9464'}/metrics   Stop: Ctrl+C
`);
}

/** Waits until the service is ready, then calls /v1/notes with the token; returns its status. */
async function probe(bearer) {
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) {
        const response = await fetch(`${base}/v1/notes`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
        return response.status;
      }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return 'no answer';
}

/** A hash of the template and of every built package that gets packed into the service. */
function fingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (['node_modules', 'test-results', '.bulwark'].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(root, 'templates/service'));
  walk(join(root, 'packages/create-bulwark/dist'));
  for (const name of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    if (existsSync(join(dir, 'dist'))) walk(join(dir, 'dist'));
    if (existsSync(join(dir, 'package.json'))) hash.update(readFileSync(join(dir, 'package.json')));
  }
  return hash.digest('hex');
}

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
