import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { ADAPTERS, bootstrap, createAdapter, type RunningApp } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RateLimitedInfo, RateLimitModule } from '../src/index.js';
import { FixtureAuthModule, FixtureController, UnawareAuthGuard } from './fixtures.js';

let now = Date.UTC(2030, 0, 1);
const limited: RateLimitedInfo[] = [];

@Module({
  imports: [
    FixtureAuthModule,
    RateLimitModule.forRoot({
      limit: 3,
      windowSeconds: 60,
      policies: { search: { limit: 4, windowSeconds: 30 } },
      authFailure: { limit: 2, windowSeconds: 60 },
      trustProxy: false,
      clock: () => now,
      onLimited: (info) => limited.push(info),
      env: {},
    }),
  ],
  controllers: [FixtureController],
})
class AppModule {}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe.each(ADAPTERS)('rate limiting on %s', (adapter) => {
  let running: RunningApp;
  let events: SecurityEvent[];
  let stop: () => void;

  beforeAll(async () => {
    running = await bootstrap(AppModule, { adapter });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    // Each test starts a fresh window for every key.
    now += 3_600_000;
    events = [];
    limited.length = 0;
    stop = subscribeSecurityEvents((event) => events.push(event));
  });
  afterEach(() => stop());

  it('sends RateLimit-Policy and RateLimit on admitted requests', async () => {
    const first = await get(`${running.url}/default`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(first.headers.get('ratelimit')).toBe('"default";r=2;t=20');
    const second = await get(`${running.url}/default`);
    expect(second.headers.get('ratelimit')).toBe('"default";r=1;t=40');
  });

  it('answers 429 problem+json with Retry-After once the quota is spent, and reports it', async () => {
    for (let i = 0; i < 3; i += 1) expect((await get(`${running.url}/default`)).status).toBe(200);
    const refused = await get(`${running.url}/default`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(refused.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(refused.headers.get('ratelimit')).toBe('"default";r=0;t=60');
    expect(await refused.json()).toMatchObject({
      type: 'urn:bulwark:problem:rate-limited',
      title: 'Too Many Requests',
      status: 429,
      detail: 'The rate limit "default" is exhausted. Retry after 20 seconds.',
    });
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'rate_limit.exceeded',
        reason: 'limit',
        clientAddress: '127.0.0.1',
        route: 'GET /default',
        details: { policy: 'default', limit: 3, windowSeconds: 60 },
      }),
    ]);
    expect(limited).toEqual([
      { policy: 'default', reason: 'limit', keyType: 'address', route: 'GET /default' },
    ]);
  });

  it('shares the default quota across routes and refills it as the injected clock advances', async () => {
    await get(`${running.url}/default`);
    await get(`${running.url}/other`);
    await get(`${running.url}/default`);
    expect((await get(`${running.url}/other`)).status).toBe(429);
    now += 19_999;
    expect((await get(`${running.url}/other`)).status).toBe(429);
    now += 1;
    const refilled = await get(`${running.url}/other`);
    expect(refilled.status).toBe(200);
    expect(refilled.headers.get('ratelimit')).toBe('"default";r=0;t=60');
  });

  it('charges the cost of a named policy', async () => {
    const first = await get(`${running.url}/search`);
    expect(first.headers.get('ratelimit-policy')).toBe('"search";q=4;w=30');
    expect(first.headers.get('ratelimit')).toBe('"search";r=2;t=15');
    expect((await get(`${running.url}/search`)).status).toBe(200);
    expect((await get(`${running.url}/search`)).status).toBe(429);
    // The default quota is untouched by the named policy.
    expect((await get(`${running.url}/default`)).headers.get('ratelimit')).toBe(
      '"default";r=2;t=20',
    );
  });

  it('applies a route-local limit under its own name', async () => {
    expect((await get(`${running.url}/export`)).headers.get('ratelimit-policy')).toBe(
      '"export";q=2;w=10',
    );
    await get(`${running.url}/export`);
    const refused = await get(`${running.url}/export`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
  });

  it('exempts @SkipRateLimit() routes and health probes', async () => {
    for (let i = 0; i < 5; i += 1) {
      const free = await get(`${running.url}/free`);
      expect(free.status).toBe(200);
      expect(free.headers.get('ratelimit')).toBeNull();
      expect((await get(`${running.url}/health/live`)).status).toBe(200);
    }
  });

  it('ignores a spoofed X-Forwarded-For from an untrusted peer', async () => {
    for (let i = 0; i < 3; i += 1) {
      const spoofed = { 'x-forwarded-for': `198.51.100.${i}` };
      expect((await get(`${running.url}/default`, spoofed)).status).toBe(200);
    }
    const refused = await get(`${running.url}/default`, { 'x-forwarded-for': '198.51.100.99' });
    expect(refused.status).toBe(429);
    expect(events[0]?.clientAddress).toBe('127.0.0.1');
  });

  // Principal keys and the brute-force limiter with the real AuthModule and test issuer are in
  // auth.e2e-spec.ts; this one shows a guard of one's own takes part through the core contract.
  it('slows down failed authentication per address with a guard of its own, never a valid token', async () => {
    const bad = { authorization: 'Bearer forged' };
    expect((await get(`${running.url}/default`, bad)).status).toBe(401);
    expect((await get(`${running.url}/default`, bad)).status).toBe(401);
    const refused = await get(`${running.url}/default`, bad);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=2;w=60');
    expect(await refused.json()).toMatchObject({
      type: 'urn:bulwark:problem:rate-limited',
      status: 429,
      detail: 'Too many failed authentication attempts. Retry after 30 seconds.',
    });
    expect(events.at(-1)).toMatchObject({ kind: 'rate_limit.exceeded', reason: 'auth_failure' });
    // A valid credential from the address passes, as do anonymous requests and probes.
    const carol = await get(`${running.url}/default`, { authorization: 'Bearer good:carol' });
    expect(carol.status).toBe(200);
    expect(carol.headers.get('ratelimit')).toBe('"default";r=2;t=20');
    expect((await get(`${running.url}/default`)).status).toBe(200);
    expect((await get(`${running.url}/health/live`)).status).toBe(200);
    now += 30_000;
    expect((await get(`${running.url}/default`, bad)).status).toBe(401);
  });
});

describe.each(ADAPTERS)('with a guard that ignores the limiter on %s', (adapter) => {
  let running: RunningApp;
  const warnings: string[] = [];

  beforeAll(async () => {
    @Module({
      imports: [
        RateLimitModule.forRoot({
          policies: { search: { limit: 4, windowSeconds: 30 } },
          authFailure: { limit: 2, windowSeconds: 60 },
          trustProxy: false,
          clock: () => now,
          env: {},
        }),
      ],
      controllers: [FixtureController],
      providers: [{ provide: APP_GUARD, useClass: UnawareAuthGuard }],
    })
    class UnawareModule {}
    const app = await NestFactory.create(UnawareModule, createAdapter(adapter), {
      logger: {
        log: () => undefined,
        error: () => undefined,
        warn: (message: unknown) => warnings.push(String(message)),
      },
      abortOnError: false,
    });
    running = await bootstrap(app, { adapter });
  });
  afterAll(() => running.close());

  it('still counts its failures, answers them as the guard does, and says so once', async () => {
    const bad = { authorization: 'Bearer forged' };
    for (let i = 0; i < 4; i += 1) {
      expect((await get(`${running.url}/default`, bad)).status).toBe(401);
    }
    expect((await get(`${running.url}/default`, { authorization: 'Bearer good' })).status).toBe(
      200,
    );
    const unmarked = warnings.filter((w) => w.includes('takeAuthFailureRefusal'));
    expect(unmarked).toEqual([
      'a failed authentication attempt from an address over its "auth-failure" budget was answered 401, not 429: the authentication guard does not throw takeAuthFailureRefusal(request) from @bulwark/core, so failing attempts are counted but not slowed down',
    ]);
  });
});

@Module({
  imports: [
    RateLimitModule.forRoot({
      limit: 2,
      windowSeconds: 60,
      policies: { search: { limit: 4, windowSeconds: 30 } },
      // The same variable, and the same parser, as @bulwark/http.
      env: { TRUST_PROXY: 'loopback' },
      clock: () => now,
    }),
  ],
  controllers: [FixtureController],
})
class BehindProxyModule {}

describe.each(ADAPTERS)('behind a trusted proxy on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(BehindProxyModule, { adapter });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    now += 3_600_000;
  });

  const from = (chain: string) => get(`${running.url}/default`, { 'x-forwarded-for': chain });

  it('keys by the address the proxy saw, not by entries the client prepended', async () => {
    expect((await from('203.0.113.50')).status).toBe(200);
    expect((await from('6.6.6.6, 203.0.113.50')).status).toBe(200);
    expect((await from('7.7.7.7, 203.0.113.50')).status).toBe(429);
    expect((await from('203.0.113.51')).status).toBe(200);
  });

  it('keys ip:port and [v6]:port entries by their address', async () => {
    expect((await from('203.0.113.60:1111')).status).toBe(200);
    expect((await from('6.6.6.6, 203.0.113.60:2222')).status).toBe(200);
    expect((await from('203.0.113.60')).status).toBe(429);
    expect((await from('[2001:db8:aa::1]:443')).status).toBe(200);
    expect((await from('2001:db8:aa::1')).status).toBe(200);
    expect((await from('[2001:db8:aa::2]')).status).toBe(429);
  });

  // Regression: an `unknown` entry was dropped, so the address left of it, which the client
  // wrote itself, became its rate-limit key: a fresh budget with every request.
  it('stops at an unknown entry instead of taking the client-written address left of it', async () => {
    expect((await from('6.6.6.6, unknown')).status).toBe(200);
    expect((await from('7.7.7.7, unknown')).status).toBe(200);
    expect((await from('8.8.8.8, unknown')).status).toBe(429);
    expect((await from('203.0.113.61')).status).toBe(200);
  });

  it('groups IPv6 clients by their /56', async () => {
    expect((await from('2001:db8:abcd:1200::1')).status).toBe(200);
    expect((await from('2001:db8:abcd:12ff:9::2')).status).toBe(200);
    expect((await from('2001:db8:abcd:1234::3')).status).toBe(429);
    expect((await from('2001:db8:abcd:1300::1')).status).toBe(200);
  });
});
