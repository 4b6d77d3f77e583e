// `npm start`: the main job. Installs, builds, and starts a Bulwark service on embedded defaults.
import { spawn } from 'node:child_process';
import { pnpm } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
pnpm('install', '--frozen-lockfile');
pnpm('exec', 'turbo', 'run', 'build', '--filter=@bulwark/example-hello...');

const child = spawn('node', ['dist/main.js'], {
  cwd: `${root}examples/hello`,
  stdio: 'inherit',
  env: { PORT: '3000', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
