import { BulwarkConfigError } from '@bulwark/core';
import type { Registry } from 'prom-client';

/** The three labels of a request-duration series. */
interface SeriesLabels {
  readonly method: string;
  readonly route: string;
  readonly status_code: string;
}

interface Series {
  readonly labels: SeriesLabels;
  /** Observations per bucket, not cumulative; the last slot is `+Inf`. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** One sample of the exposition, in the shape prom-client's registry formats. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * `http_request_duration_seconds`, recorded with one map lookup and a bucket search per request.
 * prom-client's `Histogram.observe` validates the label names and builds a hash string from the
 * label values on every call, about as much time as the rest of the instrumentation together.
 * Here a series is found by route, then by method and status, and formatted only at scrape.
 *
 * It is registered on a prom-client registry and exposed, read-only, like a prom-client
 * histogram: same samples, same `le` labels, same `sum` aggregation across a cluster.
 */
export class RouteHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames = ['method', 'route', 'status_code'] as const;
  private readonly bounds: Float64Array;
  private readonly byRoute = new Map<string, Map<number, Series>>();

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
  ) {
    this.bounds = Float64Array.from(buckets);
  }

  /**
   * Returns the histogram registered on `registry` under `name`, or registers a new one. Two
   * module instances sharing a registry then share the series.
   */
  static on(registry: Registry, name: string, help: string, buckets: readonly number[]) {
    const existing: unknown = registry.getSingleMetric(name);
    if (existing instanceof RouteHistogram) return existing;
    if (existing !== undefined)
      throw new BulwarkConfigError(
        'registry',
        `a metric named ${name} is already registered on it; pass a registry without it, or remove it`,
      );
    const histogram = new RouteHistogram(name, help, buckets);
    registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
    return histogram;
  }

  /**
   * Adds one observation. `methodIndex` (below 16) and `status` together pick the series within
   * the route; `method` is its label value.
   */
  record(route: string, method: string, methodIndex: number, status: number, seconds: number) {
    let byKey = this.byRoute.get(route);
    if (byKey === undefined) {
      byKey = new Map();
      this.byRoute.set(route, byKey);
    }
    const key = status * 16 + methodIndex;
    let series = byKey.get(key);
    if (series === undefined) {
      series = {
        labels: { method, route, status_code: String(status) },
        counts: new Float64Array(this.bounds.length + 1),
        sum: 0,
        count: 0,
      };
      byKey.set(key, series);
    }
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    (series.counts[bucket] as number)++;
    series.sum += seconds;
    series.count++;
  }

  /** Forgets every series (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    this.byRoute.clear();
  }

  /** The samples, in prom-client's format: cumulative buckets, `+Inf`, then sum and count. */
  async get() {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const byKey of this.byRoute.values()) {
      for (const { labels, counts, sum, count } of byKey.values()) {
        let cumulative = 0;
        this.bounds.forEach((le, index) => {
          cumulative += counts[index] as number;
          values.push({ metricName: bucketName, labels: { le, ...labels }, value: cumulative });
        });
        values.push(
          { metricName: bucketName, labels: { le: '+Inf', ...labels }, value: count },
          { metricName: `${this.name}_sum`, labels: { ...labels }, value: sum },
          { metricName: `${this.name}_count`, labels: { ...labels }, value: count },
        );
      }
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}
