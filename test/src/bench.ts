import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { type AdapterName } from './adapters.js';

// The package benches' shared harness (`@bulwark/test-harness/bench`): a small Nest app served
// under variants (modules added, a preload), measured by the driver with autocannon over
// interleaved rounds. Not loaded by the test entry: autocannon and the app stay out of tests.

/**
 * Serves the bench app, `GET /items/:id`, with `imports` added: on the adapter named by
 * `process.argv[2]` (`express`, else Fastify), on a free loopback port. It tells the driver
 * `{"listening":<port>}` on stdout, its CPU time `{"cpu":…}` on `SIGUSR2`, and again on
 * `SIGTERM` before closing. Call it from a bench's `app.mjs`.
 *
 * @example
 * ```js
 * const imports = process.env.BENCH_METRICS === '1' ? [MetricsModule.forRoot({ port: 0 })] : [];
 * await serveItemsBenchApp(imports);
 * ```
 */
export async function serveItemsBenchApp(imports: readonly unknown[]): Promise<void> {
  const { Controller, Get, Module, Param } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const { createAdapter } = await import('./bootstrap.js');

  @Controller('items')
  class ItemsController {
    @Get(':id')
    get(@Param('id') id: string) {
      return { id, name: 'item', tags: ['a', 'b'] };
    }
  }
  @Module({ imports: imports as never[], controllers: [ItemsController] })
  class AppModule {}

  const adapter: AdapterName = process.argv[2] === 'express' ? 'express' : 'fastify';
  const app = await NestFactory.create(AppModule, createAdapter(adapter), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
  // CPU time is the figure that survives a busy machine: the driver samples it around the run.
  const reportCpu = () => process.stdout.write(`${JSON.stringify({ cpu: process.cpuUsage() })}\n`);
  process.on('SIGUSR2', reportCpu);
  process.once('SIGTERM', async () => {
    reportCpu();
    await app.close();
    process.exit(0);
  });
}

/** One way of running the bench app. */
export interface BenchVariant {
  /** Its row label. */
  readonly name: string;
  /** Node options before the app, such as `['--import', '@bulwark/tracing/register']`. */
  readonly preload?: readonly string[];
  /** Environment variables of this variant, over {@link AppBenchOptions.env}. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What {@link benchAppVariants} runs. */
export interface AppBenchOptions {
  /** The app script, run as `node [preload] <app> <adapter>`; it calls `serveItemsBenchApp`. */
  readonly app: string;
  /** The working folder of the app: the package, so that it resolves its own name. */
  readonly cwd: string;
  /** The variants; the first is the baseline every ratio is taken against. */
  readonly variants: readonly BenchVariant[];
  /** Environment variables of every variant (`OTEL_*` of the caller's are never passed on). */
  readonly env?: Readonly<Record<string, string>>;
  /** The line printed under the table, such as `'Target: metrics ratio >= 0.95 (cost <= 5%).'`. */
  readonly target: string;
}

interface Sample {
  readonly rps: number;
  readonly cpuPerRequest: number;
}

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

function start(options: AppBenchOptions, variant: BenchVariant, adapter: string) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')),
  );
  const child = spawn(process.execPath, [...(variant.preload ?? []), options.app, adapter], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env, ...variant.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<{ child: typeof child; port: number; lines: { cpu?: NodeJS.CpuUsage }[] }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${variant.name} did not start`)), 30_000);
      child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${code}`)));
      const lines: { cpu?: NodeJS.CpuUsage }[] = [];
      let buffered = '';
      child.stdout.on('data', (chunk) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const part of parts) {
          const line = JSON.parse(part);
          if (line.listening) {
            clearTimeout(timer);
            resolve({ child, port: line.listening, lines });
          } else lines.push(line);
        }
      });
    },
  );
}

async function measure(
  options: AppBenchOptions,
  variant: BenchVariant,
  adapter: string,
  connections: number,
  duration: number,
): Promise<Sample> {
  const { child, port, lines } = await start(options, variant, adapter);
  const url = `http://127.0.0.1:${port}/items/42`;
  await autocannon({ url, connections, duration: 1 }); // warm-up (JIT, pools)
  child.kill('SIGUSR2');
  const result = await autocannon({ url, connections, duration });
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await stopped;
  const [before = 0, after = 0] = lines
    .flatMap((line) => (line.cpu ? [line.cpu] : []))
    .map((cpu) => cpu.user + cpu.system);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, cpuPerRequest: (after - before) / result.requests.total };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Measures every variant of the bench app on each adapter and prints req/s and CPU time per
 * request, with their ratios to the first variant. Variants are interleaved over rounds and the
 * median kept, so that a noisy neighbour on a shared machine skews one sample of every variant
 * rather than every sample of one. Reads `BENCH_DURATION_SECONDS` (5), `BENCH_CONNECTIONS`
 * (50), `BENCH_ADAPTERS` (`fastify,express`) and `BENCH_ROUNDS` (3).
 *
 * @example
 * ```js
 * await benchAppVariants({
 *   app: fileURLToPath(new URL('./app.mjs', import.meta.url)),
 *   cwd: fileURLToPath(new URL('..', import.meta.url)),
 *   variants: [{ name: 'baseline' }, { name: '@bulwark/metrics', env: { BENCH_METRICS: '1' } }],
 *   target: 'Target: metrics ratio >= 0.95 (cost <= 5%).',
 * });
 * ```
 */
export async function benchAppVariants(options: AppBenchOptions): Promise<void> {
  const duration = setting('BENCH_DURATION_SECONDS', 5);
  const connections = setting('BENCH_CONNECTIONS', 50);
  const rounds = setting('BENCH_ROUNDS', 3);
  const adapters = (process.env.BENCH_ADAPTERS ?? 'fastify,express').split(',');
  const rows: Record<string, string | number>[] = [];
  for (const adapter of adapters) {
    const samples = options.variants.map((): Sample[] => []);
    for (let round = 0; round < rounds; round++) {
      for (const [index, variant] of options.variants.entries())
        samples[index]?.push(await measure(options, variant, adapter, connections, duration));
    }
    const of = (index: number, pick: (sample: Sample) => number) =>
      median((samples[index] ?? []).map(pick));
    const baseline = of(0, (sample) => sample.rps);
    const baselineCpu = of(0, (sample) => sample.cpuPerRequest);
    for (const [index, variant] of options.variants.entries()) {
      const rps = of(index, (sample) => sample.rps);
      const cpu = of(index, (sample) => sample.cpuPerRequest);
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
  console.log(
    '\n"throughput ratio": req/s over the baseline\'s. "CPU-bound ratio": baseline CPU time per request over the variant\'s, the throughput ratio of a dedicated core; prefer it on a shared machine.',
  );
  console.log(
    `${connections} connections, ${duration} s per sample, median of ${rounds} interleaved rounds, GET /items/:id on loopback`,
  );
  console.table(rows);
  console.log(options.target);
}
