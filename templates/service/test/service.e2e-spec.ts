import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER } from '../src/adapter.js';
import { type RunningService, startTestService, waitForStatus } from './support.js';

/** The API security headers every response carries, errors and 404s included. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

describe(`the service on ${ADAPTER}`, () => {
  let issuer: TestIssuer;
  let service: RunningService;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    service = await startTestService(issuer, { CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(async () => {
    await service?.close();
    await issuer?.close();
  });

  it('answers its probes without a token, ready once the issuer keys are loaded', async () => {
    const live = await fetch(`${service.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await waitForStatus(`${service.url}/health/ready`, 200);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${service.url}/health/startup`)).status).toBe(200);
  });

  it('answers an unknown route with a 404 problem, the security headers and a request id', async () => {
    const response = await fetch(`${service.url}/no-such-route`, {
      headers: { 'x-request-id': 'e2e-unknown-route' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(response.headers.get(name), name).toBe(value);
    }
    const hsts = /max-age=(\d+)/.exec(response.headers.get('strict-transport-security') ?? '');
    expect(Number(hsts?.[1])).toBeGreaterThanOrEqual(31_536_000); // at least one year
    expect(response.headers.get('cross-origin-resource-policy')).toBeTruthy();
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-request-id')).toBe('e2e-unknown-route');
    expect(await response.json()).toMatchObject({
      type: expect.stringMatching(/^urn:bulwark:problem:/),
      title: expect.any(String),
      status: 404,
      instance: '/no-such-route',
      requestId: 'e2e-unknown-route',
    });
  });

  it('allows cross-origin calls from CORS_ORIGINS only', async () => {
    const allowed = await fetch(`${service.url}/health/live`, {
      headers: { origin: 'https://app.example.com' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await fetch(`${service.url}/health/live`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /metrics on the metrics listener only, never on the public port', async () => {
    expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
    const metrics = await fetch(service.metricsUrl);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');
  });
});
