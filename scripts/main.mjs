// `npm start`: the main job. Builds the scaffolder and the @bulwark packages of this checkout,
// generates a service from them into .demo/service (packed into its vendor/, as `--local` does),
// installs and builds it, starts it in development mode, and prints a working curl.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pnpm } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
const target = `${root}.demo/service`;
const port = process.env.PORT ?? '3000';

pnpm('install', '--frozen-lockfile');
// Only what the template uses: the scaffolder and the @bulwark packages the service depends on.
const template = JSON.parse(readFileSync(`${root}templates/service/package.json`, 'utf8'));
const used = Object.keys({ ...template.dependencies, ...template.devDependencies }).filter((name) =>
  name.startsWith('@bulwark/'),
);
pnpm(
  'exec',
  'turbo',
  'run',
  'build',
  '--filter=create-bulwark',
  ...used.map((n) => `--filter=${n}...`),
);

if (!existsSync(`${target}/node_modules`)) {
  run(process.execPath, [
    `${root}packages/create-bulwark/dist/cli.js`,
    target,
    '--local',
    root,
    '--yes',
    '--force',
  ]);
}
run('npm', ['run', 'build'], target);
const token = spawnSync(
  'node',
  ['scripts/token.mjs', '--sub', 'alice', '--scope', 'notes:read notes:write'],
  { cwd: target, encoding: 'utf8' },
).stdout.trim();

const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
  cwd: target,
  stdio: 'inherit',
  env: { NODE_ENV: 'development', HOST: '127.0.0.1', ...process.env, PORT: port },
});
setTimeout(() => {
  console.log(`
Service generated in ${target}, running on http://127.0.0.1:${port} (development mode).
Try:
  curl -i http://127.0.0.1:${port}/health/live
  curl -i -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/v1/notes
(A new token: cd .demo/service && npm run token -- --sub alice --scope "notes:read notes:write")
`);
}, 1500).unref();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
