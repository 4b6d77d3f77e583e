import { BulwarkConfigError } from '@bulwark/core';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RouteHistogram } from './route-histogram.js';

const BUCKETS = [0.005, 0.01, 0.1, 1];
const NAME = 'http_request_duration_seconds';
const HELP = 'Duration of HTTP requests.';

// [route, method, method index, status, seconds]: values on, below and above the bounds.
const OBSERVATIONS: [string, string, number, number, number][] = [
  ['/items/:id', 'GET', 3, 200, 0.005],
  ['/items/:id', 'GET', 3, 200, 0.0051],
  ['/items/:id', 'GET', 3, 200, 0.0001],
  ['/items/:id', 'GET', 3, 404, 2],
  ['/items/:id', 'PUT', 8, 200, 1],
  ['UNMATCHED', 'GET', 3, 404, 0.05],
];

async function exposition(record: (registry: Registry) => void): Promise<string[]> {
  const registry = new Registry();
  record(registry);
  return (await registry.metrics()).split('\n').sort();
}

describe('RouteHistogram', () => {
  it('exposes exactly what a prom-client Histogram fed the same observations exposes', async () => {
    const ours = await exposition((registry) => {
      const histogram = RouteHistogram.on(registry, NAME, HELP, BUCKETS);
      for (const [route, method, index, status, seconds] of OBSERVATIONS)
        histogram.record(route, method, index, status, seconds);
    });
    const reference = await exposition((registry) => {
      const histogram = new Histogram({
        name: NAME,
        help: HELP,
        labelNames: ['method', 'route', 'status_code'],
        buckets: BUCKETS,
        registers: [registry],
      });
      for (const [route, method, , status, seconds] of OBSERVATIONS)
        histogram.observe({ method, route, status_code: String(status) }, seconds);
    });
    expect(ours).toEqual(reference);
    expect(ours).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items/:id",status_code="200"} 2',
    );
  });

  it('counts a value equal to a bound in that bound, and past the last one only in +Inf', async () => {
    const registry = new Registry();
    const histogram = RouteHistogram.on(registry, NAME, HELP, BUCKETS);
    histogram.record('/a', 'GET', 3, 200, 0.1);
    histogram.record('/a', 'GET', 3, 200, 7);
    const { values } = await histogram.get();
    const bucket = (le: number | string) =>
      values.find((v) => v.metricName === `${NAME}_bucket` && v.labels.le === le)?.value;
    expect([bucket(0.01), bucket(0.1), bucket(1), bucket('+Inf')]).toEqual([0, 1, 1, 2]);
    expect(values.find((v) => v.metricName === `${NAME}_sum`)?.value).toBeCloseTo(7.1);
  });

  it('is shared by module instances on one registry, and reset by the registry', async () => {
    const registry = new Registry();
    const first = RouteHistogram.on(registry, NAME, HELP, BUCKETS);
    expect(RouteHistogram.on(registry, NAME, HELP, BUCKETS)).toBe(first);
    first.record('/a', 'GET', 3, 200, 0.001);
    expect(registry.getSingleMetric(NAME)).toBe(first);
    expect((await registry.getMetricsAsJSON())[0]?.values).toHaveLength(BUCKETS.length + 3);
    registry.resetMetrics();
    expect((await first.get()).values).toEqual([]);
  });

  it('refuses a registry where another metric already has its name', () => {
    const registry = new Registry();
    new Counter({ name: NAME, help: HELP, registers: [registry] });
    expect(() => RouteHistogram.on(registry, NAME, HELP, BUCKETS)).toThrow(BulwarkConfigError);
    expect(() => RouteHistogram.on(registry, NAME, HELP, BUCKETS)).toThrow(
      /registry: a metric named http_request_duration_seconds is already registered/,
    );
  });
});
