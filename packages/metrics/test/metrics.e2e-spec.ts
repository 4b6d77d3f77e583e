import diagnosticsChannel from 'node:diagnostics_channel';
import { request } from 'node:http';
import { publishSecurityEvent, SECURITY_EVENTS_CHANNEL } from '@bulwark/core/events';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import {
  type CanActivate,
  Controller,
  Get,
  InternalServerErrorException,
  Module,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsModule, MetricsService } from '../src/index.js';
import { hasPromtool, promtoolCheck } from './promtool.js';

/** Stands in for @bulwark/auth: publishes the event it would, then refuses. */
class RejectingAuthGuard implements CanActivate {
  canActivate(): boolean {
    publishSecurityEvent({ kind: 'authentication.failed', reason: 'expired' });
    throw new UnauthorizedException();
  }
}

@Controller('items')
class ItemsController {
  @Get(':id')
  get() {
    return { ok: true };
  }

  @UseGuards(RejectingAuthGuard)
  @Get(':id/secret')
  secret() {
    return { ok: true };
  }

  @Get(':id/broken')
  broken() {
    throw new InternalServerErrorException();
  }

  @Get(':id/slow')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { ok: true };
  }
}

@Module({ imports: [MetricsModule.forRoot({ port: 0 })], controllers: [ItemsController] })
class AppModule {}

function durationSamples(exposition: string): string[] {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith('http_request_duration_seconds_count{'));
}

describe.each(ADAPTERS)('metrics on %s', (adapter) => {
  let running: RunningApp;
  let metricsUrl: string;

  beforeAll(async () => {
    running = await bootstrap(AppModule, { adapter });
    metricsUrl = `http://127.0.0.1:${running.app.get(MetricsService).port}/metrics`;
    for (const path of [
      '/items/4711',
      '/items/4712',
      '/items/4711/secret',
      '/items/99/broken',
      '/no-such-route/123',
    ]) {
      await (await fetch(`${running.url}${path}`)).arrayBuffer();
    }
    publishSecurityEvent({ kind: 'authorization.denied', reason: 'insufficient_scope' });
    publishSecurityEvent({
      kind: 'rate_limit.exceeded',
      reason: 'quota',
      details: { policy: 'per-principal' },
    });
  });
  afterAll(() => running?.close());

  it('labels request durations by method, route template and status code', async () => {
    const exposition = await (await fetch(metricsUrl)).text();
    const samples = durationSamples(exposition);
    expect(samples).toContain(
      'http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"} 2',
    );
    expect(samples).toContain(
      'http_request_duration_seconds_count{method="GET",route="/items/:id/secret",status_code="401"} 1',
    );
    expect(samples).toContain(
      'http_request_duration_seconds_count{method="GET",route="/items/:id/broken",status_code="500"} 1',
    );
  });

  it('never puts raw ids or unmatched paths in labels', async () => {
    const exposition = await (await fetch(metricsUrl)).text();
    expect(exposition).not.toMatch(/4711|4712|no-such-route/);
    expect(durationSamples(exposition)).toContain(
      'http_request_duration_seconds_count{method="GET",route="UNMATCHED",status_code="404"} 1',
    );
  });

  it('labels a request whose client went away 499, and it leaves the in-flight gauge', async () => {
    const aborted = new AbortController();
    const request = fetch(`${running.url}/items/5/slow`, { signal: aborted.signal });
    // Abort only once the server is handling the request (a timer could fire before it arrives).
    let inFlight = '';
    for (
      let attempt = 0;
      attempt < 100 && !/^http_requests_in_flight 1$/m.test(inFlight);
      attempt++
    ) {
      inFlight = await (await fetch(metricsUrl)).text();
    }
    expect(inFlight).toMatch(/^http_requests_in_flight 1$/m);
    aborted.abort();
    await expect(request).rejects.toThrow();
    const closed =
      'http_request_duration_seconds_count{method="GET",route="/items/:id/slow",status_code="499"} 1';
    let exposition = '';
    for (let attempt = 0; attempt < 50 && !exposition.includes(closed); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      exposition = await (await fetch(metricsUrl)).text();
    }
    expect(durationSamples(exposition)).toContain(closed);
    expect(exposition).toContain('http_requests_in_flight 0');
  });

  it('gives methods outside RFC 9110 one label value', async () => {
    await new Promise<void>((resolve, reject) => {
      const url = new URL(`${running.url}/no-such-route`);
      request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PROPFIND' })
        .on('response', (response) => response.resume().on('end', resolve))
        .on('error', reject)
        .end();
    });
    const exposition = await (await fetch(metricsUrl)).text();
    expect(exposition).toMatch(
      /http_request_duration_seconds_count\{method="_OTHER",route="UNMATCHED",status_code="4\d\d"\} 1/,
    );
    expect(exposition).not.toContain('PROPFIND');
  });

  it('counts security events by reason and policy', async () => {
    const exposition = await (await fetch(metricsUrl)).text();
    expect(exposition).toContain('bulwark_authentication_failures_total{reason="expired"} 1');
    expect(exposition).toContain(
      'bulwark_authorization_denials_total{reason="insufficient_scope"} 1',
    );
    expect(exposition).toContain('bulwark_rate_limited_requests_total{policy="per-principal"} 1');
  });

  it('exposes requests in flight and process metrics', async () => {
    const exposition = await (await fetch(metricsUrl)).text();
    expect(exposition).toMatch(/^http_requests_in_flight 0$/m);
    expect(exposition).toMatch(/^process_cpu_seconds_total \d/m);
    expect(exposition).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('serves nothing on the public port', async () => {
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('http_request_duration_seconds');
  });

  it('answers 404 for other paths and 405 for other methods on the metrics listener', async () => {
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
    const post = await fetch(metricsUrl, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it.skipIf(!hasPromtool())('passes promtool check metrics', async () => {
    const result = await promtoolCheck(await (await fetch(metricsUrl)).text());
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('two applications in one process', () => {
  it('keep separate registries, and shutdown closes the listener and unsubscribes', async () => {
    const [first, second] = await Promise.all([
      bootstrap(AppModule, { adapter: 'express' }),
      bootstrap(AppModule, { adapter: 'fastify' }),
    ]);
    const firstUrl = `http://127.0.0.1:${first.app.get(MetricsService).port}/metrics`;
    const secondUrl = `http://127.0.0.1:${second.app.get(MetricsService).port}/metrics`;
    await (await fetch(`${first.url}/items/1`)).arrayBuffer();
    expect(durationSamples(await (await fetch(firstUrl)).text())).toHaveLength(1);
    expect(durationSamples(await (await fetch(secondUrl)).text())).toHaveLength(0);

    await first.close();
    await second.close();
    await expect(fetch(firstUrl)).rejects.toThrow();
    expect(diagnosticsChannel.channel(SECURITY_EVENTS_CHANNEL).hasSubscribers).toBe(false);
  });
});
