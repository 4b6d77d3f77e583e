import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type CallListener, callRegistry } from './internal/call-registry.js';

function single<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * Registers the metrics of every service client in this process on a prom-client registry
 * (usually `MetricsService.registry` of `@bulwark/metrics`), and returns the function that
 * stops feeding them. Calls are counted from then on.
 *
 * - `bulwark_client_requests_total{client,method,status_class}`: calls, by the downstream's
 *   status class (`2xx`…`5xx`), or `timeout` / `error` when it did not answer;
 * - `bulwark_client_request_duration_seconds{client,method}`: their duration, retries included;
 * - `bulwark_client_retries_total{client}`, `bulwark_client_retry_budget_exhausted_total{client}`;
 * - `bulwark_client_breaker_open{client}`: 1 while the client's breaker is open;
 * - `bulwark_client_token_fetches_total{client,grant}`: requests to the token endpoint.
 *
 * @example
 * ```ts
 * import { registerClientMetrics } from '@bulwark/client/metrics';
 * registerClientMetrics(app.get(MetricsService).registry);
 * ```
 */
export function registerClientMetrics(registry: Registry): () => void {
  const registers = [registry];
  const requests = single(
    registry,
    'bulwark_client_requests_total',
    () =>
      new Counter({
        name: 'bulwark_client_requests_total',
        help: 'Calls to other services, by client, method and the status class of the answer (timeout or error without one).',
        labelNames: ['client', 'method', 'status_class'],
        registers,
      }),
  );
  const duration = single(
    registry,
    'bulwark_client_request_duration_seconds',
    () =>
      new Histogram({
        name: 'bulwark_client_request_duration_seconds',
        help: 'Duration of calls to other services, retries included.',
        labelNames: ['client', 'method'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
  );
  const retries = single(
    registry,
    'bulwark_client_retries_total',
    () =>
      new Counter({
        name: 'bulwark_client_retries_total',
        help: 'Retries sent by service clients.',
        labelNames: ['client'],
        registers,
      }),
  );
  const exhausted = single(
    registry,
    'bulwark_client_retry_budget_exhausted_total',
    () =>
      new Counter({
        name: 'bulwark_client_retry_budget_exhausted_total',
        help: 'Retries not sent because the client’s retry budget was spent.',
        labelNames: ['client'],
        registers,
      }),
  );
  const tokens = single(
    registry,
    'bulwark_client_token_fetches_total',
    () =>
      new Counter({
        name: 'bulwark_client_token_fetches_total',
        help: 'Requests to the token endpoint, by client and grant.',
        labelNames: ['client', 'grant'],
        registers,
      }),
  );
  single(
    registry,
    'bulwark_client_breaker_open',
    () =>
      new Gauge({
        name: 'bulwark_client_breaker_open',
        help: '1 while the client’s circuit breaker is open, else 0.',
        labelNames: ['client'],
        registers,
        collect() {
          this.reset();
          for (const client of callRegistry().clients) {
            this.set({ client: client.name }, client.breakerOpen ? 1 : 0);
          }
        },
      }),
  );
  // prom-client hashes and validates the labels of every inc()/observe() given an object; its
  // children take the label values once. One child per label set, made on first use.
  const counted = new Map<
    string,
    { count: ReturnType<typeof requests.labels>; time: ReturnType<typeof duration.labels> }
  >();
  const listener: CallListener = {
    call(record) {
      const key = `${record.client}\0${record.method}\0${record.statusClass}`;
      let child = counted.get(key);
      if (child === undefined) {
        child = {
          count: requests.labels(record.client, record.method, record.statusClass),
          time: duration.labels(record.client, record.method),
        };
        counted.set(key, child);
      }
      child.count.inc();
      child.time.observe(record.seconds);
    },
    retry(client) {
      retries.inc({ client });
    },
    budgetExhausted(client) {
      exhausted.inc({ client });
    },
    tokenFetch(client, grant) {
      tokens.inc({ client, grant });
    },
  };
  callRegistry().listeners.add(listener);
  return () => {
    callRegistry().listeners.delete(listener);
  };
}
