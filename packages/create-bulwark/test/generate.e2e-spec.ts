import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { freePort, hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, sh, tempDir, waitForHttp } from './support/cli.js';

/*
 * Generates, installs, builds, tests, starts and calls real services. The first case packs the
 * @bulwark packages of this checkout; the others reuse its vendor/ tarballs (--local accepts a
 * folder of tarballs), and npm's cache is shared, to keep the matrix affordable on 2 cores.
 * Each adapter runs with and without --redis and with and without the example; one case uses
 * pnpm. Every service starts as `npm start` does (tracing preloaded) in development mode, with
 * the embedded dev issuer signing the tokens of its own `token` script.
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

/** Every @bulwark package a service needs: the template's own and @bulwark/service's. */
const VENDORED = [
  'auth',
  'authz',
  'core',
  'errors',
  'health',
  'http',
  'logging',
  'metrics',
  'rate-limit',
  'secrets',
  'service',
  'shutdown',
  'testing',
  'tracing',
];

const withRedis = CASES.some((c) => (c.args as readonly string[]).includes('--redis'));
if (withRedis) hasRedis(); // throws under CI when redis-server is missing

let work: string;
let vendor: string | undefined;

beforeAll(() => {
  work = tempDir('generate');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(CASES)('a generated service ($label)', ({ args, adapter, example }) => {
  const redisFlag = (args as readonly string[]).includes('--redis');
  let dir: string;
  let pm: string[];
  let server: ChildProcess | undefined;
  let redis: RedisServer | undefined;
  let collector: Collector | undefined;
  let url: string;
  let metricsUrl: string;
  let log = '';

  const runScript = (script: string, extra: string[] = []) =>
    pm[0] === 'npm'
      ? sh('npm', ['run', '--silent', script, ...(extra.length ? ['--', ...extra] : [])], dir)
      : sh(pm[0] as string, [...pm.slice(1), '--silent', 'run', script, ...extra], dir);

  beforeAll(async () => {
    const name = `svc-${readdirSync(work).length}`;
    const result = await runCli([name, '--yes', '--local', vendor ?? REPO, ...args], work);
    expect(result.status, result.stderr).toBe(0);
    dir = join(work, name);
    vendor ??= join(dir, 'vendor');
    pm = existsSync(join(dir, 'pnpm-lock.yaml')) ? ['npx', '--yes', 'pnpm@10.34.9'] : ['npm'];
  });
  afterAll(async () => {
    if (server?.exitCode === null) {
      server.kill('SIGKILL');
      await new Promise((r) => server?.once('close', r));
    }
    await redis?.stop();
    await collector?.close();
  });

  it('installed its dependencies, with a lockfile and every @bulwark package vendored', () => {
    const lock =
      existsSync(join(dir, 'package-lock.json')) || existsSync(join(dir, 'pnpm-lock.yaml'));
    expect(lock).toBe(true);
    expect(readdirSync(join(dir, 'vendor')).filter((f) => f.endsWith('.tgz'))).toEqual(
      VENDORED.map((n) => expect.stringMatching(new RegExp(`^bulwark-${n}-\\d`))),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies['@bulwark/service']).toMatch(/^file:vendor\/bulwark-service-/);
    const overrides = pm[0] === 'npm' ? manifest.overrides : manifest.pnpm.overrides;
    expect(Object.keys(overrides).sort()).toEqual(VENDORED.map((n) => `@bulwark/${n}`));
    // A transitive package resolves from its vendored tarball, not from the registry.
    const http = pm[0] === 'npm' ? join(dir, 'node_modules', '@bulwark', 'http') : undefined;
    if (http) expect(existsSync(join(http, 'dist', 'index.js'))).toBe(true);
  });

  it('builds, typechecks, lints and passes its own tests', () => {
    runScript('build');
    runScript('typecheck');
    runScript('lint');
    const output = runScript('test');
    expect(output).toMatch(/Tests\s+.*\d+ passed/);
    expect(output).not.toMatch(/\d+ failed/);
    if (example) expect(output).toContain('notes.e2e-spec.ts');
    expect(existsSync(join(dir, 'dist', 'main.js'))).toBe(true);
  });

  it('refuses to start in production without the auth settings, naming them (exit 1)', () => {
    const result = spawnSyncNode(['dist/main.js'], dir, {
      NODE_ENV: 'production',
      PORT: '0',
      METRICS_PORT: '0',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it(`starts as npm start does, on ${adapter}, and answers the contract's routes`, async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    collector = await startCollector();
    if (redisFlag) redis = await startRedis();
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const [command, ...startArgs] = (manifest.scripts.start as string).split(' ');
    expect(command).toBe('node');
    server = spawn(process.execPath, startArgs, {
      cwd: dir,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        METRICS_PORT: String(metricsPort),
        OTEL_SERVICE_NAME: 'generated',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        ...(redis ? { REDIS_URL: redis.url } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    url = `http://127.0.0.1:${port}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

    const live = await waitForHttp(`${url}/health/live`);
    expect(live.status, log).toBe(200);
    expect((await waitForStatus(`${url}/health/ready`, 200)).status, log).toBe(200);
    expect((await fetch(`${url}/health/startup`)).status).toBe(200);
    expect(log).toContain(`listening on http://127.0.0.1:${port} (${adapter})`);

    const missing = await fetch(`${url}/no-such-route`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(missing.headers.get('x-request-id')).toBeTruthy();

    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const metrics = await fetch(metricsUrl);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');

    const anonymous = await fetch(`${url}/v1/notes`);
    if (!example) {
      expect(anonymous.status).toBe(404);
      return;
    }
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="/);

    // The `token` script signs with the same dev issuer the running service trusts.
    const alice = runScript('token', [
      '--sub',
      'alice',
      '--scope',
      'notes:read notes:write',
    ]).trim();
    const admin = runScript('token', ['--sub', 'root', '--role', 'admin']).trim();
    const bob = runScript('token', ['--sub', 'bob', '--scope', 'notes:read']).trim();
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    const created = await fetch(`${url}/v1/notes`, {
      method: 'POST',
      headers: { ...auth(alice), 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'from the generate test', body: 'b' }),
    });
    expect(created.status, log).toBe(201);
    const location = created.headers.get('location') as string;
    expect(location).toMatch(/^\/v1\/notes\/[0-9a-f-]{36}$/);

    const list = await fetch(`${url}/v1/notes?limit=500`, { headers: auth(alice) });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ limit: 100, total: 1 });
    expect((await fetch(`${url}${location}`, { headers: auth(bob) })).status).toBe(404);
    expect((await fetch(`${url}/v1/admin/notes`, { headers: auth(alice) })).status).toBe(403);
    expect((await fetch(`${url}/v1/admin/notes`, { headers: auth(admin) })).status).toBe(200);

    // The preloaded tracing exported the request spans, named by route template.
    await until(() => collector?.requests.some((r) => r.includes('/v1/notes')) ?? false);
    expect(collector.requests.join('\n')).toContain('GET /v1/notes');
  });

  it.runIf(redisFlag)(
    'turns unready while Redis is down and ready again when it is back',
    async () => {
      await redis?.kill();
      expect((await waitForStatus(`${url}/health/ready`, 503)).status, log).toBe(503);
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      await redis?.restart();
      expect((await waitForStatus(`${url}/health/ready`, 200)).status, log).toBe(200);
    },
  );

  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => server?.once('exit', r));
    server?.kill('SIGTERM');
    expect(await exited, log).toBe(0);
    expect(log).toContain('"phase":"exit"');
  });
});

/** A loopback OTLP/HTTP sink that keeps the raw body of every export, bounded. */
interface Collector {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Protobuf keeps span names as plain UTF-8 bytes: a text search finds them.
      if (requests.length < 1000) requests.push(`${req.url} ${Buffer.concat(chunks).toString()}`);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Polls `url` until it answers `status`, bounded (about 15 s). */
async function waitForStatus(url: string, status: number): Promise<Response> {
  let response = await fetch(url);
  for (let i = 0; i < 75 && response.status !== status; i++) {
    await new Promise((r) => setTimeout(r, 200));
    response = await fetch(url);
  }
  return response;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !condition(); i++) await new Promise((r) => setTimeout(r, 200));
}

function spawnSyncNode(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): { status: number | null; stderr: string } {
  const child = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: child.status, stderr: child.stderr };
}
