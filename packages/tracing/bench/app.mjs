// The benchmarked app: `node [--import <preload>] bench/app.mjs <adapter>`. BENCH_METRICS=1
// adds @bulwark/metrics, BENCH_TRACING_MODULE=1 adds TracingModule.
import { serveItemsBenchApp } from '@bulwark/test-harness/bench';

const imports = [];
if (process.env.BENCH_METRICS === '1') {
  const { MetricsModule } = await import('@bulwark/metrics');
  imports.push(MetricsModule.forRoot({ port: 0 }));
}
if (process.env.BENCH_TRACING_MODULE === '1') {
  const { TracingModule } = await import('@bulwark/tracing');
  imports.push(TracingModule.forRoot());
}
await serveItemsBenchApp(imports);
