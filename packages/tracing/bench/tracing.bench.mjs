// pnpm bench: throughput of one small app with @bulwark/metrics, with @bulwark/tracing, and with
// OpenTelemetry's documented auto-instrumentation setup, as ratios to the same app without
// them, all measured in this one run on loopback. Not a test: numbers depend on the machine.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = fileURLToPath(new URL('./app.mjs', import.meta.url));
const DOCS = fileURLToPath(new URL('./otel-docs.mjs', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'fastify,express').split(',');
// Variants are interleaved over rounds and the median kept, so that a noisy neighbour on a
// shared machine skews one sample of every variant rather than every sample of one.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// A sink collector, so exporting costs what it costs in production: real OTLP/HTTP requests.
const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () =>
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(),
  );
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${sink.address().port}`;

const VARIANTS = [
  { name: 'baseline', preload: [], env: { OTEL_TRACES_EXPORTER: 'none' } },
  {
    name: '@bulwark/metrics',
    preload: [],
    env: { OTEL_TRACES_EXPORTER: 'none', BENCH_METRICS: '1' },
  },
  {
    name: '@bulwark/tracing',
    preload: ['--import', '@bulwark/tracing/register'],
    env: { BENCH_TRACING_MODULE: '1' },
  },
  {
    name: '@bulwark/tracing, exporter none',
    preload: ['--import', '@bulwark/tracing/register'],
    env: { OTEL_TRACES_EXPORTER: 'none', BENCH_TRACING_MODULE: '1' },
  },
  {
    name: 'OTel docs setup (auto-instrumentations)',
    preload: ['--import', DOCS],
    env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  },
];

function start(variant, adapter) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([n]) => !n.startsWith('OTEL_')),
  );
  const child = spawn(process.execPath, [...variant.preload, APP, adapter], {
    cwd: ROOT,
    env: {
      ...inherited,
      OTEL_SERVICE_NAME: 'bench',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      ...variant.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${variant.name} did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${code}`)));
    const lines = [];
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop();
      for (const part of parts) {
        const line = JSON.parse(part);
        if (line.listening) {
          clearTimeout(timer);
          resolve({ child, port: line.listening, lines });
        } else lines.push(line);
      }
    });
  });
}

async function measure(variant, adapter) {
  const { child, port, lines } = await start(variant, adapter);
  const url = `http://127.0.0.1:${port}/items/42`;
  await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up (JIT, pools)
  child.kill('SIGUSR2');
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await stopped;
  const [before, after] = lines
    .filter((line) => line.cpu)
    .map((line) => line.cpu.user + line.cpu.system);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, cpuPerRequest: (after - before) / result.requests.total };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const rows = [];
for (const adapter of ADAPTERS) {
  const samples = VARIANTS.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, variant] of VARIANTS.entries())
      samples[index].push(await measure(variant, adapter));
  }
  const baseline = median(samples[0].map((sample) => sample.rps));
  const baselineCpu = median(samples[0].map((sample) => sample.cpuPerRequest));
  for (const [index, variant] of VARIANTS.entries()) {
    const rps = median(samples[index].map((sample) => sample.rps));
    const cpu = median(samples[index].map((sample) => sample.cpuPerRequest));
    rows.push({
      adapter,
      variant: variant.name,
      'req/s': Math.round(rps),
      'throughput ratio': (rps / baseline).toFixed(3),
      'CPU µs/req': cpu.toFixed(2),
      'CPU-bound ratio': (baselineCpu / cpu).toFixed(3),
    });
  }
}
sink.close();
console.log(
  '\n"throughput ratio": req/s over the baseline\'s. "CPU-bound ratio": baseline CPU time per request over the variant\'s, the throughput ratio of a dedicated core; prefer it on a shared machine.',
);
console.log(
  `${CONNECTIONS} connections, ${DURATION} s per sample, median of ${ROUNDS} interleaved rounds, GET /items/:id on loopback`,
);
console.table(rows);
console.log('Targets: metrics ratio >= 0.95 (cost <= 5%), tracing ratio >= 0.75 (cost <= 25%).');
