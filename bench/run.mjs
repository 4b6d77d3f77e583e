// pnpm bench: bare NestJS (the floor), the Bulwark full stack (tracing off, then on) and the
// usual peer stack, on the same adapter, in one run on loopback; then the package
// micro-benchmarks. Writes BENCHMARKS.md at the repository root. Not a test: numbers depend on
// the machine, and nothing here asserts a timing.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestIssuer } from '@bulwark/testing';
import autocannon from 'autocannon';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'fastify').split(',');
const PACKAGES = (process.env.BENCH_PACKAGES ?? 'auth,rate-limit').split(',').filter(Boolean);
const PROFILE = process.env.BENCH_CPU_PROF === '1';

const VARIANTS = [
  { name: 'bare NestJS', key: 'bare', app: 'dist/bare.app.js', preload: [], env: {} },
  {
    name: 'Bulwark, tracing off',
    key: 'bulwark',
    app: 'dist/bulwark.app.js',
    preload: [],
    env: { OTEL_TRACES_EXPORTER: 'none' },
  },
  {
    name: 'Bulwark, tracing on',
    key: 'bulwark-traced',
    app: 'dist/bulwark.app.js',
    preload: ['--import', '@bulwark/tracing/register'],
    env: { BENCH_TRACING: '1' },
  },
  {
    name: 'peer stack',
    key: 'peer',
    app: 'dist/peer.app.js',
    preload: ['--import', './peer-otel.mjs'],
    env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  },
];

if (!existsSync(`${HERE}dist/bulwark.app.js`))
  throw new Error('run `pnpm --filter @bulwark/bench build` first');

// A sink collector, so exporting costs what it costs in production: real OTLP/HTTP requests.
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));

const issuer = await createTestIssuer({ algorithms: ['ES256'], ttlSeconds: 3600 });
const jwks = await (await fetch(issuer.jwksUrl)).text();
const pem = issuer.keys[0].publicKey.export({ type: 'spki', format: 'pem' });
const token = issuer.mint({ claims: { sub: 'bench-user', scope: 'items:read' } });

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

function start(variant, adapter, profile) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([n]) => !n.startsWith('OTEL_')),
  );
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
  const child = spawn(process.execPath, [...flags, ...variant.preload, variant.app], {
    cwd: HERE,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      BENCH_ADAPTER: adapter,
      BENCH_ISSUER: issuer.issuer,
      BENCH_AUDIENCE: issuer.audience,
      BENCH_JWKS: jwks,
      BENCH_PEM: pem,
      OTEL_SERVICE_NAME: 'bench',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
      ...variant.env,
    },
    stdio: ['ignore', log, 'inherit'],
  });
  closeSync(log);
  child.once('exit', () => rmSync(logPath, { force: true }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${variant.name} did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${code}`)));
    const poll = setInterval(() => {
      const match = /\{"listening":(\d+)\}/.exec(readFileSync(logPath, 'utf8'));
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ child, port: Number(match[1]), readyMs: performance.now() - began });
    }, 5);
    child.once('exit', () => clearInterval(poll));
  });
}

async function measure(variant, adapter, profile = false) {
  const { child, port, readyMs } = await start(variant, adapter, profile);
  const url = `http://127.0.0.1:${port}/v1/items/42`;
  const headers = { authorization: `Bearer ${token}` };
  const check = await fetch(url, { headers });
  if (check.status !== 200)
    throw new Error(`${variant.name}: ${check.status} ${await check.text()}`);
  const idleRss = rssOf(child.pid);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT, pools
  const cpuBefore = cpuOf(child.pid);
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  const cpu = (cpuOf(child.pid) - cpuBefore) / result.requests.total;
  const rss = rssOf(child.pid);
  child.removeAllListeners('exit');
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await stopped;
  clearTimeout(killer);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, readyMs, idleRss, rss, cpu };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes) => fmt(bytes / 1024 / 1024, 1);

const results = {};
for (const adapter of ADAPTERS) {
  const samples = Object.fromEntries(VARIANTS.map((v) => [v.key, []]));
  // Variants interleave over rounds and the median is kept, so a noisy neighbour on a shared
  // machine skews one sample of every variant rather than every sample of one.
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const sample = await measure(variant, adapter);
      samples[variant.key].push(sample);
      console.error(
        `${adapter} round ${round + 1} ${variant.name}: ${fmt(sample.rps)} req/s, ${fmt(sample.cpu, 1)} µs CPU/req, p99 ${sample.p99} ms, ready ${fmt(sample.readyMs)} ms, RSS ${mb(sample.rss)} MB`,
      );
    }
  }
  results[adapter] = Object.fromEntries(
    VARIANTS.map((v) => [
      v.key,
      Object.fromEntries(
        ['rps', 'p99', 'readyMs', 'idleRss', 'rss', 'cpu'].map((k) => [
          k,
          median(samples[v.key].map((s) => s[k])),
        ]),
      ),
    ]),
  );
  if (PROFILE) for (const variant of VARIANTS) await measure(variant, adapter, true);
}
await issuer.close();
await new Promise((resolve) => sink.close(resolve));

function table(adapter) {
  const r = results[adapter];
  const bare = r.bare;
  const rows = VARIANTS.map((v) => {
    const x = r[v.key];
    return `| ${v.name} | ${fmt(x.rps)} | ${fmt(x.rps / bare.rps, 2)} | ${fmt(x.cpu, 1)} | ${fmt(bare.cpu / x.cpu, 2)} | ${fmt(x.p99, 1)} | ${fmt(x.readyMs)} | ${fmt(x.readyMs / bare.readyMs, 2)} | ${mb(x.rss)} | ${fmt(x.rss / bare.rss, 2)} |`;
  });
  return [
    `### ${adapter}`,
    '',
    '| variant | req/s | × bare | server CPU µs/req | CPU-bound × bare | p99 ms | start→ready ms | × bare | RSS after load MB | × bare |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

function targets(adapter) {
  const r = results[adapter];
  const verdict = (ok) => (ok ? 'met' : '**missed**');
  const lines = [
    ['full stack, tracing off ≥ 0.5 × bare throughput', r.bulwark.rps / r.bare.rps, 0.5],
    ['full stack ≥ 10 × the peer stack throughput', r.bulwark.rps / r.peer.rps, 10],
    ['full stack, tracing on ≥ 0.3 × bare throughput', r['bulwark-traced'].rps / r.bare.rps, 0.3],
    ['start→ready ≤ 1.3 × bare', r.bulwark.readyMs / r.bare.readyMs, 1.3, true],
    ['RSS ≤ 1.3 × bare', r.bulwark.rss / r.bare.rss, 1.3, true],
    [`p99 ≤ 5 ms at ${CONNECTIONS} connections`, r.bulwark.p99, 5, true],
  ];
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
const machine = `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${mb(os.totalmem())} MB RAM, ${os.type()} ${os.release()}, Node.js ${process.version}`;
const report = [
  '# Benchmarks',
  '',
  'Produced by `pnpm --filter @bulwark/bench bench` (also part of `pnpm bench`). Every number below was',
  'measured in one run on one machine, on loopback; the ratios are what carries over to other',
  'machines. Nothing in the test suites asserts a timing.',
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${machine}`,
  `- load: autocannon, ${CONNECTIONS} connections, ${DURATION} s after a 1 s warm-up, median of ${ROUNDS} interleaved rounds; \`NODE_ENV=production\``,
  '- route: `GET /v1/items/42` with an ES256 bearer token; JSON body of four fields',
  '- bare NestJS: the same controller, nothing else',
  '- Bulwark: `createSecureApp` (headers, errors, body limits) + `@bulwark/auth` (ES256, static JWKS, verified-token cache on) + `@RequireScopes` + an owner policy with a loader + `@bulwark/rate-limit` (memory) + `@bulwark/metrics` + `@bulwark/logging` (one JSON access line per request, to stdout redirected to a file, as a container runtime does); tracing on = `--import @bulwark/tracing/register` + `TracingModule`, OTLP/HTTP to a loopback sink',
  '- peer: `@nestjs/passport` + `passport-jwt` (ES256, PEM), a scope guard, the same owner check, `@nestjs/throttler` (memory), `helmet`, a prom-client histogram middleware, OpenTelemetry `NodeSDK` with http/express/nest instrumentation exporting OTLP to the same sink',
  '- RSS: `VmRSS` after the load; start→ready: from `spawn` to the listening line',
  '- server CPU: user + system time of the server process (`/proc/<pid>/stat`) during the measured run, per request. "CPU-bound × bare" is bare\'s CPU per request over the variant\'s: the throughput ratio on a core of its own. On this shared two-core machine bare NestJS is bound by the load generator, so its req/s (and every "× bare" throughput ratio) depends on how much CPU autocannon leaves it',
  '',
  '## Full stack against the floor and the peer stack',
  '',
  ...ADAPTERS.flatMap((a) => [table(a), '', `Targets (issue 11, ${a}):`, '', targets(a), '']),
  '## Package micro-benchmarks',
  '',
  ...micro.flatMap((m) => [
    `### @bulwark/${m.name}${m.code === 0 ? '' : ` (exit ${m.code})`}`,
    '',
    '```',
    m.out,
    '```',
    '',
  ]),
].join('\n');
const findings = existsSync(`${HERE}FINDINGS.md`)
  ? `\n${readFileSync(`${HERE}FINDINGS.md`, 'utf8')}`
  : '';
writeFileSync(`${ROOT}BENCHMARKS.md`, `${report}${findings}`);
console.log(report);
