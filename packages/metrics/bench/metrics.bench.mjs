// pnpm bench: throughput of one small app with @bulwark/metrics, as a ratio to the same app
// without it, measured in this one run on loopback. Not a test: numbers depend on the machine.
// @bulwark/tracing's bench measures metrics and tracing side by side as well.
import { fileURLToPath } from 'node:url';
import { benchAppVariants } from '@bulwark/test-harness/bench';

await benchAppVariants({
  app: fileURLToPath(new URL('./app.mjs', import.meta.url)),
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  variants: [{ name: 'baseline' }, { name: '@bulwark/metrics', env: { BENCH_METRICS: '1' } }],
  target: 'Target: metrics ratio >= 0.95 (cost <= 5%).',
});
