import { METRICS_SOURCE, type MetricsProvider } from '@bulwark/core/lifecycle';
import { recordRouteTemplates } from '@bulwark/core/routes';
import {
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpMetrics } from './internal/http-metrics.js';
import { MetricsServer } from './internal/metrics-server.js';
import { SecurityMetrics } from './internal/security-metrics.js';
import { registerTlsMetrics } from './internal/tls-metrics.js';
import { InjectMetricsOptions } from './metrics.module-definition.js';
import type { ResolvedMetricsOptions } from './metrics-options.interface.js';

const LINT_FAILING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

interface RequestEmitter {
  prependListener(event: 'request', listener: (...args: never[]) => void): unknown;
  removeListener(event: 'request', listener: (...args: never[]) => void): unknown;
}

/**
 * Owns the registry, the request instrumentation and the separate metrics listener. Inject it
 * to register your own metrics on {@link MetricsService.registry}.
 *
 * @example
 * ```ts
 * constructor(metrics: MetricsService) {
 *   new Counter({ name: 'notes_created_total', help: 'Notes created.', registers: [metrics.registry] });
 * }
 * ```
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationShutdown {
  /** The prom-client registry the exposition serves. */
  readonly registry: Registry;
  private readonly http: HttpMetrics;
  private readonly security: SecurityMetrics;
  private readonly server: MetricsServer;
  private instrumented: RequestEmitter | undefined;

  constructor(
    /** The validated options, with defaults applied. */
    @InjectMetricsOptions() readonly options: ResolvedMetricsOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
    @Optional() private readonly discovery?: DiscoveryService,
  ) {
    this.registry = this.options.registry ?? new Registry();
    if (
      this.options.defaultMetrics &&
      !this.registry.getSingleMetric('process_cpu_seconds_total')
    ) {
      collectDefaultMetrics({ register: this.registry });
      // These gauges break Prometheus naming (`_total` is for counters: promtool rejects them);
      // the same numbers stay available, by type, as nodejs_active_{handles,requests,resources}.
      for (const name of LINT_FAILING_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
    this.http = new HttpMetrics(this.registry, this.options.buckets, this.options.unmatchedRoute);
    this.security = new SecurityMetrics(this.registry);
    registerTlsMetrics(this.registry);
    this.server = new MetricsServer(this.registry, this.options.path);
  }

  /** The port the metrics listener is bound to, or `undefined` before start-up. */
  get port(): number | undefined {
    return this.server.port;
  }

  /** The exposition text, as the metrics listener serves it. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  async onModuleInit(): Promise<void> {
    const adapter = this.adapterHost?.httpAdapter;
    const httpServer = adapter?.getHttpServer() as RequestEmitter | undefined;
    if (adapter && httpServer) {
      recordRouteTemplates(adapter);
      // In front of the framework's listener: the clock starts before any parsing or routing.
      httpServer.prependListener('request', this.http.onRequest);
      this.instrumented = httpServer;
    }
    this.security.start();
    this.registerSources();
    await this.server.listen(this.options.port, this.options.host);
  }

  /** Hands the registry to every `@MetricsSource()` provider of the app, once. */
  private registerSources(): void {
    if (!this.discovery) return;
    const seen = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      seen.add(instance);
      if (Reflect.getMetadata(METRICS_SOURCE, instance.constructor) !== true) continue;
      (instance as MetricsProvider).registerMetrics(this.registry as never);
    }
  }

  // Late on purpose: Prometheus can still scrape while the application drains.
  async onApplicationShutdown(): Promise<void> {
    this.security.stop();
    this.instrumented?.removeListener('request', this.http.onRequest);
    this.instrumented = undefined;
    await this.server.close();
  }
}
