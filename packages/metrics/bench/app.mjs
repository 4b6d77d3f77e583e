// The benchmarked app: `node bench/app.mjs <adapter>`; BENCH_METRICS=1 adds @bulwark/metrics.
import { serveItemsBenchApp } from '@bulwark/test-harness/bench';

const imports = [];
if (process.env.BENCH_METRICS === '1') {
  const { MetricsModule } = await import('@bulwark/metrics');
  imports.push(MetricsModule.forRoot({ port: 0 }));
}
await serveItemsBenchApp(imports);
