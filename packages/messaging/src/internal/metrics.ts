import type { MessagingMetricsRegistry, QueueStats } from '../messaging.types.js';

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** A counter read from the stats at scrape time, in the shape prom-client's registry expects. */
function counter(name: string, help: string, labelNames: string[], samples: () => Sample[]) {
  return {
    name,
    help,
    type: 'counter' as const,
    labelNames,
    aggregator: 'sum' as const,
    get: async () => ({ name, help, type: 'counter', aggregator: 'sum', values: samples() }),
    reset: () => {},
  };
}

/** Registers the per-queue counters once on `registry`; the values come from `stats` at scrape. */
export function registerMessagingMetrics(
  registry: MessagingMetricsRegistry,
  stats: () => Record<string, QueueStats>,
): void {
  const outcomes = ['consumed', 'acked', 'retried', 'deadLettered'] as const;
  const label = {
    consumed: 'consumed',
    acked: 'acked',
    retried: 'retried',
    deadLettered: 'dead_lettered',
  };
  const metrics = [
    counter(
      'bulwark_messaging_messages_total',
      'Messages per queue by outcome: consumed, acked, retried, dead_lettered.',
      ['queue', 'outcome'],
      () =>
        Object.entries(stats()).flatMap(([queue, queueStats]) =>
          outcomes.map((outcome) => ({
            labels: { queue, outcome: label[outcome] },
            value: queueStats[outcome],
          })),
        ),
    ),
    counter(
      'bulwark_messaging_rejected_total',
      'Messages refused before their handler, by queue and reason.',
      ['queue', 'reason'],
      () =>
        Object.entries(stats()).flatMap(([queue, queueStats]) =>
          Object.entries(queueStats.rejected).map(([reason, value]) => ({
            labels: { queue, reason },
            value: value ?? 0,
          })),
        ),
    ),
    counter(
      'bulwark_messaging_handler_seconds_total',
      'Time spent in handlers, by queue; divide by bulwark_messaging_handled_total for the mean.',
      ['queue'],
      () =>
        Object.entries(stats()).map(([queue, queueStats]) => ({
          labels: { queue },
          value: queueStats.handlerMs / 1000,
        })),
    ),
    counter(
      'bulwark_messaging_handled_total',
      'Handler runs, successful or not, by queue.',
      ['queue'],
      () =>
        Object.entries(stats()).map(([queue, queueStats]) => ({
          labels: { queue },
          value: queueStats.handled,
        })),
    ),
  ];
  for (const metric of metrics) {
    if (registry.getSingleMetric(metric.name) === undefined)
      registry.registerMetric(metric as never);
  }
}
