import { request } from 'node:http';
import { detectLeaks } from '@bulwark/core/testing';
import { ADAPTERS, bootstrap, createAdapter, type RunningApp } from '@bulwark/test-harness';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedSecurityOptions } from '../src/http-options.interface.js';
import { applySecurity, createSecureApp } from '../src/index.js';
import { FixtureModule } from './fixture.js';

const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function expectApiHeaders(response: Response): void {
  for (const [name, value] of Object.entries(API_HEADERS)) {
    expect(response.headers.get(name), name).toBe(value);
  }
  expect(response.headers.get('x-powered-by')).toBeNull();
  expect(response.headers.get('server')).toBeNull();
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
}

async function expectProblem(response: Response, status: number): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(detectLeaks(await response.text())).toEqual([]);
}

const ORIGIN = 'https://app.example.com';

describe.each(ADAPTERS)('createSecureApp on %s', (adapter) => {
  let running: RunningApp;
  let resolvedTimeouts: { keepAlive: number; headers: number; request: number };
  beforeAll(async () => {
    const app = await createSecureApp(FixtureModule, {
      adapter,
      logger: false,
      headersTimeoutMs: 4000,
      env: {
        CORS_ORIGINS: `${ORIGIN}, https://admin.example.com:8443`,
        TRUST_PROXY: 'loopback',
        BODY_LIMIT_BYTES: '2048',
      },
    });
    const server = app.getHttpServer();
    resolvedTimeouts = {
      keepAlive: server.keepAliveTimeout,
      headers: server.headersTimeout,
      request: server.requestTimeout,
    };
    running = await bootstrap(app, { adapter });
  });
  afterAll(() => running.close());

  it('runs on the chosen adapter', () => {
    expect(running.app.getHttpAdapter().getType()).toBe(adapter);
  });

  describe('security headers', () => {
    it('are set on a 200', async () => {
      const response = await fetch(`${running.url}/public`);
      expect(response.status).toBe(200);
      expectApiHeaders(response);
      expect(response.headers.get('cache-control')).toBeNull();
    });

    it('are set on a 401, which keeps its WWW-Authenticate and is not stored', async () => {
      const response = await fetch(`${running.url}/private`, {
        headers: { authorization: 'Bearer bad' },
      });
      expectApiHeaders(response);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
      expect(response.headers.get('cache-control')).toBe('no-store');
      await expectProblem(response, 401);
    });

    it('mark an authenticated 200 no-store', async () => {
      const response = await fetch(`${running.url}/private`, {
        headers: { authorization: 'Bearer good' },
      });
      expect(response.status).toBe(200);
      expectApiHeaders(response);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('are set on a 404', async () => {
      const response = await fetch(`${running.url}/nope`);
      expectApiHeaders(response);
      await expectProblem(response, 404);
    });

    it('are set on a 500, which leaks nothing', async () => {
      const response = await fetch(`${running.url}/boom`);
      expectApiHeaders(response);
      await expectProblem(response, 500);
    });

    it('are set on 413 and 415 answers to bodies', async () => {
      const big = await fetch(`${running.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ x: 'y'.repeat(3000) }),
      });
      expectApiHeaders(big);
      await expectProblem(big, 413);
      const text = await fetch(`${running.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hi',
      });
      expectApiHeaders(text);
      await expectProblem(text, 415);
    });
  });

  describe('CORS', () => {
    it('allows a listed origin and exposes the request id', async () => {
      const response = await fetch(`${running.url}/public`, { headers: { origin: ORIGIN } });
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
      expect(response.headers.get('vary')).toMatch(/origin/i);
    });

    it('allows a listed origin with a port', async () => {
      const response = await fetch(`${running.url}/public`, {
        headers: { origin: 'https://admin.example.com:8443' },
      });
      expect(response.headers.get('access-control-allow-origin')).toBe(
        'https://admin.example.com:8443',
      );
    });

    it('answers an allowed preflight', async () => {
      const response = await fetch(`${running.url}/public`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
        'authorization',
      );
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it.each([
      ['an unlisted origin', 'https://evil.example'],
      ['a look-alike origin', 'https://app.example.com.evil.example'],
      ['another scheme', 'http://app.example.com'],
      ['the null origin', 'null'],
    ])('denies %s', async (_name, origin) => {
      const simple = await fetch(`${running.url}/public`, { headers: { origin } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${running.url}/public`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'DELETE' },
      });
      expect(preflight.status).toBeLessThan(500);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('believes X-Forwarded-For from a trusted loopback proxy, as TRUST_PROXY says', async () => {
    const response = await fetch(`${running.url}/ip`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(await response.json()).toEqual({ ip: '203.0.113.9' });
  });

  it('sets timeouts against slow clients on the server', () => {
    expect(resolvedTimeouts).toEqual({ keepAlive: 5000, headers: 4000, request: 30000 });
  });

  it('answers a malformed URL with a 400 problem carrying the headers', async () => {
    const response = await new Promise<{
      status: number;
      headers: Record<string, unknown>;
      body: string;
    }>((resolve, reject) => {
      const req = request(`${running.url}/public/%zz`, { method: 'GET' });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers['content-security-policy']).toBe(
      API_HEADERS['content-security-policy'],
    );
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(detectLeaks(response.body)).toEqual([]);
  });

  it('never answers TRACE with a 5xx or an echo', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${running.url}/public`, {
        method: 'TRACE',
        headers: { authorization: 'Bearer secret-trace-token' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('secret-trace-token');
  });
});

describe.each(ADAPTERS)('applySecurity on an app created elsewhere, on %s', (adapter) => {
  let running: RunningApp;
  let resolved: ResolvedSecurityOptions;
  beforeAll(async () => {
    const app = await NestFactory.create(FixtureModule, createAdapter(adapter), { logger: false });
    resolved = applySecurity(app, { bodyLimitBytes: 512, env: {} });
    running = await bootstrap(app, { adapter });
  });
  afterAll(() => running.close());

  it('sets the headers on 200 and 404, with no CORS when no origin is configured', async () => {
    const ok = await fetch(`${running.url}/public`, { headers: { origin: ORIGIN } });
    expectApiHeaders(ok);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
    const missing = await fetch(`${running.url}/missing`);
    expectApiHeaders(missing);
    await expectProblem(missing, 404);
  });

  it('replaces the default body parser, so its own limit applies', async () => {
    const response = await fetch(`${running.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(600) }),
    });
    await expectProblem(response, 413);
  });

  it('does not believe X-Forwarded-For without TRUST_PROXY', async () => {
    const response = await fetch(`${running.url}/ip`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(((await response.json()) as { ip: string }).ip).not.toBe('203.0.113.9');
    expect(resolved.trustProxy).toBe(false);
  });
});
