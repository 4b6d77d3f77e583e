import {
  type MetricsProvider,
  MetricsSource,
  type MetricsSourceRegistry,
} from '@bulwark/core/lifecycle';
import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsError } from './metrics.error.js';
import { MetricsModule } from './metrics.module.js';
import { InjectMetricsOptions } from './metrics.module-definition.js';
import { MetricsService } from './metrics.service.js';
import type {
  MetricsModuleOptions,
  MetricsOptionsFactory,
  ResolvedMetricsOptions,
} from './metrics-options.interface.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function start(module: ReturnType<typeof MetricsModule.forRoot>): Promise<MetricsService> {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  const app = ref.createNestApplication(undefined as never, { logger: false });
  await app.init();
  closers.push(() => app.close());
  return app.get(MetricsService);
}

@MetricsSource()
@Injectable()
class QueueMetrics implements MetricsProvider {
  calls = 0;
  registerMetrics(registry: MetricsSourceRegistry) {
    this.calls += 1;
    if (registry.getSingleMetric('queue_items_total') !== undefined) return;
    const counter = new Counter({ name: 'queue_items_total', help: 'Items.', registers: [] });
    counter.inc(3);
    registry.registerMetric(counter as never);
  }
}

@Module({ providers: [QueueMetrics] })
class QueueModule {}

const registered: MetricsModuleOptions = { port: 0, unmatchedRoute: 'NONE' };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class MetricsConfig implements MetricsOptionsFactory {
  create(): MetricsModuleOptions {
    return registered;
  }
}

describeModuleRegistration<MetricsModuleOptions, ResolvedMetricsOptions>('MetricsModule', {
  module: MetricsModule,
  options: registered,
  optionsFactory: MetricsConfig,
  check: (moduleRef) => {
    const service = moduleRef.get(MetricsService);
    expect(service.options.unmatchedRoute).toBe('NONE');
    expect(service.port).toBeGreaterThan(0);
  },
  injected: {
    decorator: InjectMetricsOptions,
    check: (resolved) => {
      expect(resolved).toMatchObject({
        port: 0,
        unmatchedRoute: 'NONE',
        path: '/metrics',
        defaultMetrics: true,
      });
    },
  },
  invalid: [
    { options: { path: 'x' }, setting: 'path' },
    {
      options: { port: -1 },
      setting: 'port',
      message: 'port: must be an integer from 0 to 65535 (0 picks a free port).',
    },
  ],
});

describe('MetricsModule', () => {
  it('registers the metrics of every @MetricsSource() provider, once, and serves them on its port', async () => {
    const ref = await Test.createTestingModule({
      imports: [MetricsModule.forRoot({ port: 0, defaultMetrics: false }), QueueModule],
    }).compile();
    const app = ref.createNestApplication(undefined as never, { logger: false });
    await app.init();
    closers.push(() => app.close());
    const service = app.get(MetricsService);
    expect(app.get(QueueMetrics).calls).toBe(1);
    const body = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    expect(body).toContain('# TYPE queue_items_total counter');
    expect(body).toContain('queue_items_total 3');
  });

  describe('when registered with forRoot', () => {
    it('serves its own registry on the port it was given', async () => {
      const service = await start(MetricsModule.forRoot({ port: 0 }));
      expect(service.port).toBeGreaterThan(0);
      const body = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
      expect(body).toContain('# TYPE http_request_duration_seconds histogram');
      expect(body).not.toContain('nodejs_active_handles_total');
    });

    it('uses a registry it is given, and can leave default metrics out', async () => {
      const registry = new Registry();
      const service = await start(
        MetricsModule.forRoot({ port: 0, registry, defaultMetrics: false }),
      );
      expect(service.registry).toBe(registry);
      expect(registry.getSingleMetric('http_requests_in_flight')).toBeDefined();
      expect(registry.getSingleMetric('process_cpu_seconds_total')).toBeUndefined();
    });

    it('fails start-up with METRICS_LISTEN_FAILED when the port is taken', async () => {
      const first = await start(MetricsModule.forRoot({ port: 0 }));
      const ref = await Test.createTestingModule({
        imports: [MetricsModule.forRoot({ port: first.port as number })],
      }).compile();
      const app = ref.createNestApplication(undefined as never, { logger: false });
      const failure = app.init();
      await expect(failure).rejects.toBeInstanceOf(MetricsError);
      await expect(failure).rejects.toMatchObject({
        code: 'METRICS_LISTEN_FAILED',
        message: `the metrics listener could not listen on *:${first.port} (EADDRINUSE). Set METRICS_PORT (or the port option) to a free port from 0 to 65535.`,
      });
      await app.close();
    });
  });
});
