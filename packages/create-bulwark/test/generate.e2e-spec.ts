import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  hasPostgres,
  hasRedis,
  type PostgresServer,
  postgresBinDir,
  type RedisServer,
  startPostgres,
  startRedis,
} from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, sh, tempDir, waitForHttp } from './support/cli.js';

/*
 * Generates, installs, builds, tests, starts and calls real services. The first case packs the
 * @bulwark packages of this checkout; the others reuse its vendor/ tarballs (--local accepts a
 * folder of tarballs), and npm's cache is shared, to keep the matrix affordable on 2 cores.
 * Each adapter runs with and without --redis and with and without the example; one case uses
 * pnpm, one keeps its notes in memory (--db none), the others run on embedded PGlite (the
 * default --db postgres with no DATABASE_URL). The first case adds --messaging (it packs
 * @bulwark/messaging for the vendor folder the others reuse): it starts in development without
 * a broker, and its own tests start it against an unreachable one. The first service then runs against a real
 * PostgreSQL too (the last describe). Every service starts as `npm start` does (tracing preloaded) in development mode, with
 * the embedded dev issuer signing the tokens of its own `token` script.
 */
const CASES = [
  {
    label: 'fastify, example, --messaging, npm',
    args: ['--messaging'] as string[],
    adapter: 'fastify',
    example: true,
  },
  {
    label: 'express, --redis, --db none, npm',
    args: ['--adapter', 'express', '--redis', '--db', 'none'],
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
  'database',
  'errors',
  'health',
  'http',
  'logging',
  'messaging',
  'metrics',
  'rate-limit',
  'secrets',
  'service',
  'shutdown',
  'testing',
  'tracing',
];

const execFileAsync = promisify(execFile);

const withRedis = CASES.some((c) => (c.args as readonly string[]).includes('--redis'));
if (withRedis) hasRedis(); // throws under CI when redis-server is missing

let work: string;
let vendor: string | undefined;

beforeAll(() => {
  work = tempDir('generate');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first generated service with the example on PostgreSQL, for the real-server checks. */
let postgresService: string | undefined;

describe.each(CASES)('a generated service ($label)', ({ args, adapter, example }) => {
  const redisFlag = (args as readonly string[]).includes('--redis');
  const noDatabase = (args as readonly string[]).includes('none');
  const messaging = (args as readonly string[]).includes('--messaging');
  const vendored = VENDORED.filter(
    (n) => (!noDatabase || n !== 'database') && (messaging || n !== 'messaging'),
  );
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
    if (example && !noDatabase) postgresService ??= dir;
    pm = existsSync(join(dir, 'pnpm-lock.yaml')) ? ['npx', '--yes', 'pnpm@10.34.9'] : ['npm'];
  });
  afterAll(async () => {
    // A server ended by a signal has no exit code and has already closed: waiting for its
    // `close` again would hold the hook until its timeout (20 minutes).
    if (server && server.exitCode === null && server.signalCode === null) {
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
      vendored.map((n) => expect.stringMatching(new RegExp(`^bulwark-${n}-\\d`))),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies['@bulwark/service']).toMatch(/^file:vendor\/bulwark-service-/);
    const overrides = pm[0] === 'npm' ? manifest.overrides : manifest.pnpm.overrides;
    expect(Object.keys(overrides).sort()).toEqual(vendored.map((n) => `@bulwark/${n}`));
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
    // Its own test of messaging: up against an unreachable broker, counters on the metrics port.
    if (messaging) expect(output).toContain('events.e2e-spec.ts');
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

  it.runIf(!noDatabase)(
    'refuses to start in production without DATABASE_URL, naming it (exit 1)',
    () => {
      const result = spawnSyncNode(['dist/main.js'], dir, {
        NODE_ENV: 'production',
        PORT: '0',
        METRICS_PORT: '0',
        AUTH_ISSUER: 'https://idp.example/',
        AUTH_AUDIENCE: 'generated',
        AUTH_JWKS_URL: 'https://idp.example/jwks.json',
        DATABASE_URL: '',
        DATABASE_URL_FILE: '',
        // Only the database is left unset: a --messaging service's broker setting is checked
        // while the app is created too, and either refusal may come first.
        ...(messaging ? { AMQP_URL: 'amqps://broker.internal:5671/service' } : {}),
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        'DATABASE_URL: is required in production (embedded PGlite is for development and tests only). Set DATABASE_URL or DATABASE_URL_FILE.',
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it.runIf(messaging)(
    'refuses a plaintext broker URL in production with one JSON line naming AMQP_URL (exit 1)',
    () => {
      const result = spawnSyncNode(['dist/main.js'], dir, {
        NODE_ENV: 'production',
        PORT: '0',
        METRICS_PORT: '0',
        AUTH_ISSUER: 'https://idp.example/',
        AUTH_AUDIENCE: 'generated',
        AUTH_JWKS_URL: 'https://idp.example/jwks.json',
        DATABASE_URL: 'postgres://app@127.0.0.1:1/service',
        AMQP_URL: 'amqp://broker.internal:5672/service',
      });
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toMatchObject({
        level: 'fatal',
        code: 'INVALID_CONFIG',
        msg: expect.stringMatching(/^start-up refused: AMQP_URL: uses amqp:\/\/ in production/),
      });
      expect(result.stderr).not.toContain('broker.internal');
    },
  );

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

    // The `token` script signs with the same dev issuer the running service trusts. Run
    // asynchronously: seconds of a blocked event loop let the next POST reuse a pooled socket
    // the server had closed after its keep-alive timeout ("other side closed").
    const token = async (extra: string[]) => {
      const [command, ...base] =
        pm[0] === 'npm' ? ['npm', 'run', '--silent'] : [...pm, '--silent', 'run'];
      const args =
        pm[0] === 'npm' ? [...base, 'token', '--', ...extra] : [...base, 'token', ...extra];
      return (await execFileAsync(command as string, args, { cwd: dir })).stdout.trim();
    };
    const alice = await token(['--sub', 'alice', '--scope', 'notes:read notes:write']);
    const admin = await token(['--sub', 'root', '--role', 'admin']);
    const bob = await token(['--sub', 'bob', '--scope', 'notes:read']);
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
    const page = (await list.json()) as { items: unknown[]; limit: number; next: unknown };
    expect(page).toMatchObject({ limit: 100, next: null });
    expect(page.items).toHaveLength(1);
    // Embedded PGlite in .data/ (development, no DATABASE_URL), or memory with --db none.
    expect(existsSync(join(dir, '.data', 'pglite'))).toBe(!noDatabase);
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

/*
 * The first generated service (fastify, the example, --db postgres) against a real PostgreSQL
 * (a throw-away cluster with a test CA, startPostgres()): the database and roles created by the
 * template's own deploy/sql/roles.sql through psql, the migrations applied by `npm run migrate`
 * as the migrator, then the built service connected as the app role over TLS verify-full, as in
 * production. Without PostgreSQL installed this is skipped with a loud warning; under CI it fails.
 */
describe.runIf(hasPostgres())('a generated service on a real PostgreSQL', () => {
  let pg: PostgresServer;
  let dir: string;
  let url: string;
  let server: ChildProcess | undefined;
  let log = '';
  const passwords = { migrator: 'migrator-pw-1', app: "app-pw-'1", readonly: 'readonly-pw-1' };
  const file = (name: string) => join(pg.workDir, name);
  const databaseEnv = (user: string, passwordFile: string, caFile = pg.caFile) => ({
    DATABASE_URL: `postgres://${user}@127.0.0.1:${pg.port}/service?sslmode=verify-full`,
    DATABASE_PASSWORD_FILE: passwordFile,
    DATABASE_CA_FILE: caFile,
  });
  /** Runs SQL through psql as `user`, over verified TLS; returns status and output. */
  const psql = (user: string, password: string, sql: string, database = 'service') => {
    const result = spawnSync(
      join(postgresBinDir() as string, 'psql'),
      [
        `host=127.0.0.1 port=${pg.port} dbname=${database} user=${user} sslmode=verify-full sslrootcert=${pg.caFile}`,
        '-v',
        'ON_ERROR_STOP=1',
        '-At',
        '-c',
        sql,
      ],
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const startService = async (env: Record<string, string>) => {
    const port = await freePort();
    log = '';
    const child = spawn(
      process.execPath,
      ['--import', '@bulwark/tracing/register', 'dist/main.js'],
      {
        cwd: dir,
        env: {
          ...process.env,
          NODE_ENV: 'development',
          PORT: String(port),
          HOST: '127.0.0.1',
          METRICS_PORT: String(await freePort()),
          OTEL_TRACES_EXPORTER: 'none',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    const base = `http://127.0.0.1:${port}`;
    expect((await waitForHttp(`${base}/health/live`)).status, log).toBe(200);
    return { child, base };
  };
  const stopService = async (child: ChildProcess | undefined) => {
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  /*
   * Asynchronous, unlike sh(): a synchronous child blocks the event loop for seconds on a busy
   * machine, past the server's keep-alive timeout, and the next POST then went out on a pooled
   * socket the server had just closed ("other side closed").
   */
  const token = async (args: string[]) =>
    (
      await execFileAsync('npm', ['run', '--silent', 'token', '--', ...args], { cwd: dir })
    ).stdout.trim();

  beforeAll(async () => {
    expect(postgresService, 'the matrix generates a --db postgres service').toBeDefined();
    dir = postgresService as string;
    pg = await startPostgres();
    writeFileSync(file('migrator.pw'), passwords.migrator, { mode: 0o600 });
    writeFileSync(file('app.pw'), passwords.app, { mode: 0o600 });
    // The template's roles.sql, run by an administrator exactly as its header says.
    sh(
      join(postgresBinDir() as string, 'psql'),
      [
        `host=127.0.0.1 port=${pg.port} dbname=postgres user=${pg.superuser} sslmode=verify-full sslrootcert=${pg.caFile}`,
        '-v',
        'ON_ERROR_STOP=1',
        '-v',
        `migrator_password=${passwords.migrator}`,
        '-v',
        `app_password=${passwords.app}`,
        '-v',
        `readonly_password=${passwords.readonly}`,
        '-f',
        'deploy/sql/roles.sql',
      ],
      dir,
      { PGPASSWORD: pg.superuserPassword },
    );
  }, 120_000);
  afterAll(async () => {
    await stopService(server);
    await pg?.stop();
  });

  it('stays unready as the app role until `npm run migrate` has run as the migrator', async () => {
    const before = await startService(databaseEnv('service_app', file('app.pw')));
    try {
      expect((await fetch(`${before.base}/health/ready`)).status, log).toBe(503);
      expect((await waitForStatus(`${before.base}/health/ready`, 503)).status).toBe(503);
    } finally {
      await stopService(before.child);
    }
    expect(log).toContain('schema version 0 is applied but this build needs version 1');
    // The app role cannot migrate: it may not create tables.
    const denied = psql('service_app', passwords.app, 'CREATE TABLE sneaky (id int)');
    expect(denied.status).not.toBe(0);
    expect(denied.output).toContain('permission denied');

    const output = sh('npm', ['run', '--silent', 'migrate'], dir, {
      NODE_ENV: 'production',
      ...databaseEnv('service_migrator', file('migrator.pw')),
    });
    expect(output).toContain('0001_create_notes.sql');
    expect(output).toContain('schema version 1');
    expect(output).toContain('verify-full');
    expect(output).not.toContain(passwords.migrator);
  });

  it('gives the app role DML only: no DROP, no CREATE, no writes to the migrations table', () => {
    for (const sql of [
      'DROP TABLE notes',
      'CREATE TABLE other (id int)',
      'ALTER TABLE notes ADD COLUMN x int',
      "INSERT INTO bulwark_schema_migrations (version, name, checksum) VALUES (99, 'x', 'x')",
      'TRUNCATE notes',
    ]) {
      const result = psql('service_app', passwords.app, sql);
      expect(result.status, sql).not.toBe(0);
      expect(result.output, sql).toMatch(/permission denied|must be owner/);
    }
    expect(psql('service_app', passwords.app, 'SELECT count(*) FROM notes').output.trim()).toBe(
      '0',
    );
    expect(
      psql('service_readonly', passwords.readonly, 'DELETE FROM notes WHERE id IS NULL').output,
    ).toContain('permission denied');
    // The owner owns the tables, not the migrator's login.
    expect(
      psql(
        pg.superuser,
        pg.superuserPassword,
        "SELECT tableowner FROM pg_tables WHERE tablename = 'notes'",
      ).output.trim(),
    ).toBe('service_owner');
  });

  it('serves the notes from PostgreSQL as the app role over verify-full TLS', async () => {
    // The load of the rotation and shutdown cases below stays far under the rate limit.
    const started = await startService({
      ...databaseEnv('service_app', file('app.pw')),
      RATE_LIMIT_MAX: '1000000',
    });
    server = started.child;
    url = started.base;
    expect((await waitForStatus(`${url}/health/ready`, 200)).status, log).toBe(200);
    const alice = await token(['--sub', 'alice', '--scope', 'notes:read notes:write']);
    const bob = await token(['--sub', 'bob', '--scope', 'notes:read notes:write']);
    const call = (bearer: string, method: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    const created = await call(alice, 'POST', '/v1/notes', { title: 'pg', body: 'b' });
    expect(created.status, log).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call(alice, 'GET', `/v1/notes/${id}`)).status).toBe(200);
    // Another owner's note is not found, whatever the method; it is unchanged.
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const response = await call(
        bob,
        method,
        `/v1/notes/${id}`,
        method === 'PATCH' ? { title: 'x' } : undefined,
      );
      expect(response.status, method).toBe(404);
    }
    expect(
      ((await (await call(bob, 'GET', '/v1/notes')).json()) as { items: unknown[] }).items,
    ).toEqual([]);
    const patched = await call(alice, 'PATCH', `/v1/notes/${id}`, { body: 'changed' });
    expect(await patched.json()).toMatchObject({ id, title: 'pg', body: 'changed' });

    // Injection strings are data: stored and returned exactly, the table intact.
    const hostile = [
      "x'; DROP TABLE notes; --",
      "' OR '1'='1",
      'a"b\\c$1',
      '\u{1F512}'.repeat(200),
    ];
    for (const title of hostile) {
      const response = await call(alice, 'POST', '/v1/notes', { title, body: title });
      expect(response.status, title).toBe(201);
      const note = (await response.json()) as { id: string };
      expect(await (await call(alice, 'GET', `/v1/notes/${note.id}`)).json()).toMatchObject({
        title,
        body: title,
      });
    }
    const nul = await call(alice, 'POST', '/v1/notes', { title: 'nul\u0000byte', body: '' });
    expect(nul.status).toBe(400);
    expect(await nul.text()).not.toMatch(/22021|owner_id|INSERT|invalid byte sequence/);
    const duplicate = await call(alice, 'POST', '/v1/notes', { title: 'pg', body: 'again' });
    expect(duplicate.status).toBe(409);
    const problem = await duplicate.text();
    for (const leak of ['notes_owner_title_key', 'owner_id', 'INSERT', '23505', 'duplicate key']) {
      expect(problem, leak).not.toContain(leak);
    }
    const count = psql(pg.superuser, pg.superuserPassword, 'SELECT count(*) FROM notes');
    expect(count.output.trim()).toBe(String(1 + hostile.length));
    expect((await call(alice, 'DELETE', `/v1/notes/${id}`)).status).toBe(204);
  });

  it('keeps answering across ALTER ROLE … PASSWORD and a rewrite of DATABASE_PASSWORD_FILE', async () => {
    const alice = await token(['--sub', 'alice', '--scope', 'notes:read notes:write']);
    const sessions = () =>
      psql(
        pg.superuser,
        pg.superuserPassword,
        "SELECT pid FROM pg_stat_activity WHERE usename = 'service_app' ORDER BY pid",
      )
        .output.trim()
        .split('\n')
        .filter(Boolean);
    // Requests run all along, four at a time, keeping several pooled sessions busy.
    const statuses: number[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const response = await fetch(`${url}/v1/notes?limit=5`, {
          headers: { authorization: `Bearer ${alice}` },
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    try {
      await until(() => statuses.length >= 20);
      const before = sessions();
      expect(before.length, log).toBeGreaterThan(0);

      const rotated = 'app-pw-rotated-2';
      expect(
        psql(pg.superuser, pg.superuserPassword, `ALTER ROLE service_app PASSWORD '${rotated}'`)
          .status,
      ).toBe(0);
      // As a Secret volume does: a new file renamed over the old one.
      writeFileSync(file('app.pw.next'), rotated, { mode: 0o600 });
      renameSync(file('app.pw.next'), file('app.pw'));
      passwords.app = rotated;

      // The service takes the new password (re-read every 5 s by default)…
      await until(() => log.includes('DATABASE_PASSWORD_FILE changed'), 100);
      expect(log).toContain('DATABASE_PASSWORD_FILE changed: new connections use the new password');
      // …and recycles the sessions opened with the old one; the new ones could only log in with
      // the new password, the only one the server now accepts.
      let now = sessions();
      for (
        let i = 0;
        i < 75 && (now.some((pid) => before.includes(pid)) || now.length === 0);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 200));
        now = sessions();
      }
      expect(now.filter((pid) => before.includes(pid))).toEqual([]);
      expect(now.length).toBeGreaterThan(0);
      const seen = statuses.length;
      await until(() => statuses.length >= seen + 20);
    } finally {
      running = false;
      await Promise.all(workers);
    }
    expect(statuses.length).toBeGreaterThan(40);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(psql('service_app', passwords.app, 'SELECT 1').output.trim()).toBe('1');
    expect(log).not.toContain(passwords.app);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
  });

  it('turns unready while PostgreSQL is stopped, and ready again when it is back', async () => {
    await pg.halt();
    expect((await waitForStatus(`${url}/health/ready`, 503)).status, log).toBe(503);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    await pg.restart();
    expect((await waitForStatus(`${url}/health/ready`, 200)).status, log).toBe(200);
  });

  it('on SIGTERM under load, answers every request, then closes the pool after the drain', async () => {
    const alice = await token(['--sub', 'alice', '--scope', 'notes:read notes:write']);
    const activity = (where: string) =>
      psql(
        pg.superuser,
        pg.superuserPassword,
        `SELECT count(*) FROM pg_stat_activity WHERE ${where}`,
      ).output.trim();
    // A superuser holds an exclusive lock on notes, so every request's query waits inside
    // PostgreSQL: more requests than the pool's 10 connections, the last ones queued for one.
    const locker = spawn(
      join(postgresBinDir() as string, 'psql'),
      [
        `host=127.0.0.1 port=${pg.port} dbname=service user=${pg.superuser} sslmode=verify-full sslrootcert=${pg.caFile} application_name=bulwark_locker`,
        '-c',
        'BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120);',
      ],
      { env: { ...process.env, PGPASSWORD: pg.superuserPassword }, stdio: 'ignore' },
    );
    const lockerExited = new Promise((r) => locker.once('exit', r));
    try {
      await until(
        () => activity("application_name = 'bulwark_locker' AND wait_event = 'PgSleep'") === '1',
      );
      const requests = Array.from({ length: 12 }, () =>
        fetch(`${url}/v1/notes`, { headers: { authorization: `Bearer ${alice}` } }).then(
          async (response) => ({ status: response.status, body: await response.text() }),
          (error: Error) => ({ status: 0, body: String(error.cause ?? error) }),
        ),
      );
      await until(
        () => activity("usename = 'service_app' AND wait_event_type = 'Lock'") === '10',
        50,
      );
      expect(activity("usename = 'service_app' AND wait_event_type = 'Lock'"), log).toBe('10');

      const exited = new Promise<number | null>((r) => server?.once('exit', r));
      server?.kill('SIGTERM');
      await until(() => log.includes('"phase":"signal"'), 25);
      // The drain waits for the 12 requests: the process is still there, the pool still open.
      expect(server?.exitCode).toBe(null);
      psql(
        pg.superuser,
        pg.superuserPassword,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bulwark_locker'",
      );
      const answers = await Promise.all(requests);
      expect(
        answers.filter((a) => a.status !== 200),
        log,
      ).toEqual([]);
      expect(await exited, log).toBe(0);
    } finally {
      locker.kill('SIGKILL');
      await lockerExited;
    }
    // The database hook ran after the drain, and it closed the pool: no session is left.
    const phases = log
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"context":"Shutdown"'))
      .map((line) => JSON.parse(line) as { phase: string; hook?: string; msg: string });
    const drained = phases.findIndex((entry) => entry.phase === 'drain');
    const hook = phases.findIndex((entry) => entry.phase === 'hook' && entry.hook === 'database');
    expect(drained, log).toBeGreaterThanOrEqual(0);
    expect(hook, log).toBeGreaterThan(drained);
    expect(phases[hook]?.msg).toBe('hook done');
    let left = activity("usename = 'service_app'");
    for (let i = 0; i < 50 && left !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = activity("usename = 'service_app'");
    }
    expect(left).toBe('0');
  });

  it('refuses a server certificate the CA did not sign: unready, never plaintext', async () => {
    const wrong = await startService(databaseEnv('service_app', file('app.pw'), pg.wrongCaFile));
    try {
      expect((await waitForStatus(`${wrong.base}/health/ready`, 503)).status).toBe(503);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await fetch(`${wrong.base}/health/ready`)).status).toBe(503);
    } finally {
      await stopService(wrong.child);
    }
  });

  it('stays unready, naming both versions, when the build needs a newer schema', async () => {
    const next = join(dir, 'migrations', '0002_add_tags.sql');
    writeFileSync(next, 'ALTER TABLE notes ADD COLUMN tags text;\n');
    try {
      const newer = await startService(databaseEnv('service_app', file('app.pw')));
      try {
        await new Promise((r) => setTimeout(r, 1000));
        expect((await waitForStatus(`${newer.base}/health/ready`, 503)).status).toBe(503);
        await new Promise((r) => setTimeout(r, 1000));
        expect((await fetch(`${newer.base}/health/ready`)).status).toBe(503);
      } finally {
        await stopService(newer.child);
      }
      expect(log).toContain('schema version 1 is applied but this build needs version 2');
    } finally {
      unlinkSync(next);
    }
  });

  it('keeps a running build ready when the next release migrates, but a new start of it stays unready', async () => {
    const serving = await startService({
      ...databaseEnv('service_app', file('app.pw')),
      RATE_LIMIT_MAX: '1000000',
    });
    const alice = await token(['--sub', 'alice', '--scope', 'notes:read notes:write']);
    const list = () =>
      fetch(`${serving.base}/v1/notes`, { headers: { authorization: `Bearer ${alice}` } });
    const next = join(dir, 'migrations', '0002_add_tags.sql');
    try {
      expect((await waitForStatus(`${serving.base}/health/ready`, 200)).status, log).toBe(200);
      // The next release's migration Job (an additive change) runs while this build serves.
      writeFileSync(next, "ALTER TABLE notes ADD COLUMN tags text NOT NULL DEFAULT '';\n");
      const output = sh('npm', ['run', '--silent', 'migrate'], dir, {
        NODE_ENV: 'production',
        ...databaseEnv('service_migrator', file('migrator.pw')),
      });
      expect(output).toContain('schema version 2');
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${serving.base}/health/ready`)).status, log).toBe(200);
        expect((await list()).status).toBe(200);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(log).toContain(
        'schema version 2 was applied while this build (version 1) serves: it stays ready',
      );
    } finally {
      await stopService(serving.child);
      unlinkSync(next);
    }
    // The same build started now (a restart, a scale-up) never takes traffic on version 2.
    const late = await startService(databaseEnv('service_app', file('app.pw')));
    try {
      expect((await waitForStatus(`${late.base}/health/ready`, 503)).status).toBe(503);
    } finally {
      await stopService(late.child);
    }
    expect(log).toContain('schema version 2 is applied but this build needs version 1');
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

/** Polls `condition` every 200 ms, `rounds` times at most (10 s by default). */
async function until(condition: () => boolean, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds && !condition(); i++) await new Promise((r) => setTimeout(r, 200));
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
