import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, sh, tempDir, waitForHttp } from './support/cli.js';

/*
 * Generates, installs, builds, tests, starts and calls real services. The first case packs the
 * @bulwark packages of this checkout; the others reuse its vendor/ tarballs (--local accepts a
 * folder of tarballs), and npm's cache is shared, to keep the matrix affordable on 2 cores.
 */
const CASES = [
  { label: 'fastify, example, npm', args: [] as string[], adapter: 'fastify', example: true },
  {
    label: 'express, --redis, npm',
    args: ['--adapter', 'express', '--redis'],
    adapter: 'express',
    example: true,
  },
  {
    label: 'fastify, --redis --no-example, pnpm',
    args: ['--redis', '--no-example', '--package-manager', 'pnpm'],
    adapter: 'fastify',
    example: false,
  },
  {
    label: 'express, --no-example, npm',
    args: ['--adapter', 'express', '--no-example'],
    adapter: 'express',
    example: false,
  },
] as const;

let work: string;
let vendor: string | undefined;

beforeAll(() => {
  work = tempDir('generate');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(CASES)('a generated service ($label)', ({ args, adapter, example }) => {
  let dir: string;
  let server: ChildProcess | undefined;
  let url: string;
  let log = '';

  beforeAll(async () => {
    const name = `svc-${readdirSync(work).length}`;
    const result = await runCli([name, '--yes', '--local', vendor ?? REPO, ...args], work);
    expect(result.status, result.stderr).toBe(0);
    dir = join(work, name);
    vendor ??= join(dir, 'vendor');
  });
  afterAll(async () => {
    if (server?.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server?.once('close', r));
    }
  });

  it('installed its dependencies, with a lockfile and the vendored @bulwark packages', () => {
    const lock =
      existsSync(join(dir, 'package-lock.json')) || existsSync(join(dir, 'pnpm-lock.yaml'));
    expect(lock).toBe(true);
    expect(existsSync(join(dir, 'node_modules', '@bulwark', 'core', 'dist', 'index.js'))).toBe(
      true,
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies['@bulwark/core']).toMatch(/^file:vendor\/bulwark-core-.+\.tgz$/);
  });

  it('builds, typechecks, lints and passes its own tests', () => {
    const pm = existsSync(join(dir, 'pnpm-lock.yaml')) ? ['npx', '--yes', 'pnpm@10.34.9'] : ['npm'];
    const runScript = (script: string) => sh(pm[0] as string, [...pm.slice(1), 'run', script], dir);
    runScript('build');
    runScript('typecheck');
    runScript('lint');
    const output = runScript('test');
    expect(output).toMatch(/Tests\s+.*\d+ passed/);
    expect(output).not.toMatch(/\d+ failed/);
    expect(existsSync(join(dir, 'dist', 'main.js'))).toBe(true);
  });

  it(`starts on ${adapter} and answers the contract's routes`, async () => {
    const port = await freePort();
    server = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    url = `http://127.0.0.1:${port}`;
    const live = await waitForHttp(`${url}/health/live`);
    expect(live.status, log).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/no-such-route`)).status).toBe(404);
    const notes = await fetch(`${url}/v1/notes`);
    // Without a caller the example fails closed (401); without the example the route is absent.
    expect(notes.status).toBe(example ? 401 : 404);
    const token = sh(
      'node',
      ['scripts/token.mjs', '--sub', 'alice', '--scope', 'notes:read'],
      dir,
    ).trim();
    expect(token.split('.')).toHaveLength(3);
    const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}
