import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClientMetrics } from '../src/exports/metrics.js';
import { createServiceClient, type ServiceClient } from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';

/** The service's own client at the test issuer's token endpoint. */
const EXCHANGE_CLIENT_ID = 'notes-service';
const EXCHANGE_CLIENT_SECRET = 'exchange-secret-for-the-tests-only';

describe('registerClientMetrics', () => {
  let issuer: TestIssuer;
  let server: Downstream;
  let dir: string;
  let registry: Registry;
  let stop: () => void;
  const clients: ServiceClient[] = [];

  beforeAll(async () => {
    issuer = await createTestIssuer();
    issuer.registerClient({ clientId: EXCHANGE_CLIENT_ID, secret: EXCHANGE_CLIENT_SECRET });
    server = await startDownstream((request, response) => {
      if (request.path === '/down') return json(response, 503, {});
      if (request.path === '/missing') return json(response, 404, {});
      if (request.path === '/stall') return;
      json(response, 200, { ok: true });
    });
    dir = mkdtempSync(join(tmpdir(), 'bulwark-client-metrics-'));
    writeFileSync(join(dir, 'secret'), EXCHANGE_CLIENT_SECRET);
    registry = new Registry();
    stop = registerClientMetrics(registry);
  });
  afterAll(async () => {
    stop();
    for (const client of clients) await client.close();
    await server.close();
    await issuer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts calls by status class, retries, budget, token fetches and the breaker state', async () => {
    const orders = await createServiceClient({
      name: 'orders-metrics',
      baseUrl: server.url,
      audience: 'https://orders.test',
      auth: { kind: 'clientCredentials' },
      env: {
        AUTH_TOKEN_URL: issuer.tokenUrl,
        AUTH_CLIENT_ID: EXCHANGE_CLIENT_ID,
        AUTH_CLIENT_SECRET_FILE: join(dir, 'secret'),
      },
      retry: { baseDelayMs: 0, minRetries: 1, budgetRatio: 0 },
      timeouts: { headersMs: 100 },
      breaker: { consecutiveFailures: 2 },
      now: () => 0,
    });
    clients.push(orders);
    await orders.get('/ok');
    await orders.post('/ok', {});
    await orders.get('/missing').catch(() => undefined);
    await orders.get('/down').catch(() => undefined);
    await orders.get('/stall', { timeoutMs: 5000 }).catch(() => undefined);

    const text = await registry.metrics();
    const line = (name: string) => text.split('\n').find((entry) => entry.startsWith(name));
    expect(
      line(
        'bulwark_client_requests_total{client="orders-metrics",method="GET",status_class="2xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line(
        'bulwark_client_requests_total{client="orders-metrics",method="POST",status_class="2xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line(
        'bulwark_client_requests_total{client="orders-metrics",method="GET",status_class="4xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line(
        'bulwark_client_requests_total{client="orders-metrics",method="GET",status_class="5xx"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line(
        'bulwark_client_requests_total{client="orders-metrics",method="GET",status_class="timeout"}',
      ),
    ).toMatch(/ 1$/);
    expect(
      line('bulwark_client_request_duration_seconds_count{client="orders-metrics",method="GET"}'),
    ).toMatch(/ 4$/);
    // One retry in the budget (minRetries 1, ratio 0): /down spends it on its first retry and is
    // refused its second; the stalled call is refused its retry.
    expect(line('bulwark_client_retries_total{client="orders-metrics"}')).toMatch(/ 1$/);
    expect(line('bulwark_client_retry_budget_exhausted_total{client="orders-metrics"}')).toMatch(
      / 2$/,
    );
    expect(
      line(
        'bulwark_client_token_fetches_total{client="orders-metrics",grant="client_credentials"}',
      ),
    ).toMatch(/ 1$/);
    // /down then the stall: two consecutive failures open the breaker.
    expect(line('bulwark_client_breaker_open{client="orders-metrics"}')).toMatch(/ 1$/);
  });

  it('keeps counting the same series after the registry is reset', async () => {
    const audit = await createServiceClient({
      name: 'audit-metrics',
      baseUrl: server.url,
      env: {},
    });
    clients.push(audit);
    const count = async () =>
      (await registry.metrics())
        .split('\n')
        .find((entry) =>
          entry.startsWith(
            'bulwark_client_requests_total{client="audit-metrics",method="GET",status_class="2xx"}',
          ),
        );
    await audit.get('/ok');
    await audit.get('/ok');
    expect(await count()).toMatch(/ 2$/);
    registry.resetMetrics();
    await audit.get('/ok');
    expect(await count()).toMatch(/ 1$/);
    expect(
      (await registry.metrics())
        .split('\n')
        .find((entry) =>
          entry.startsWith(
            'bulwark_client_request_duration_seconds_count{client="audit-metrics",method="GET"}',
          ),
        ),
    ).toMatch(/ 1$/);
  });
});
