// pnpm bench: throughput of one small app with @bulwark/metrics, with @bulwark/tracing, and with
// OpenTelemetry's documented auto-instrumentation setup, as ratios to the same app without
// them, all measured in this one run on loopback. Not a test: numbers depend on the machine.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { benchAppVariants } from '@bulwark/test-harness/bench';

const DOCS = fileURLToPath(new URL('./otel-docs.mjs', import.meta.url));

// A sink collector, so exporting costs what it costs in production: real OTLP/HTTP requests.
const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () =>
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(),
  );
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));

await benchAppVariants({
  app: fileURLToPath(new URL('./app.mjs', import.meta.url)),
  cwd: fileURLToPath(new URL('..', import.meta.url)),
  env: {
    OTEL_SERVICE_NAME: 'bench',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.address().port}`,
  },
  variants: [
    { name: 'baseline', env: { OTEL_TRACES_EXPORTER: 'none' } },
    { name: '@bulwark/metrics', env: { OTEL_TRACES_EXPORTER: 'none', BENCH_METRICS: '1' } },
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
  ],
  target: 'Targets: metrics ratio >= 0.95 (cost <= 5%), tracing ratio >= 0.75 (cost <= 25%).',
});
sink.close();
