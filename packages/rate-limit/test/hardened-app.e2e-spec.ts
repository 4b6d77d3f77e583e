import { createSecureApp } from '@bulwark/http';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitModule } from '../src/index.js';
import { FixtureAuthModule, FixtureController } from './fixtures.js';

let now = Date.UTC(2030, 0, 1);
const ORIGIN = 'https://app.example.com';

@Module({
  imports: [
    FixtureAuthModule,
    RateLimitModule.forRoot({
      limit: 100,
      windowSeconds: 60,
      policies: { search: { limit: 4, windowSeconds: 30 } },
      authFailure: { limit: 2, windowSeconds: 60 },
      trustProxy: false,
      clock: () => now,
      env: {},
    }),
  ],
  controllers: [FixtureController],
})
class AppModule {}

const bad = { authorization: 'Bearer forged' };

describe.each(ADAPTERS)(
  'the brute-force guard in an app hardened by @bulwark/http on %s',
  (adapter) => {
    let running: RunningApp;
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${running.url}${path}`, { method, headers });

    beforeAll(async () => {
      const app = await createSecureApp(AppModule, {
        adapter,
        logger: false,
        env: { CORS_ORIGINS: ORIGIN },
      });
      running = await bootstrap(app, { adapter });
    });
    afterAll(() => running.close());
    beforeEach(() => {
      now += 3_600_000;
    });

    it('answers its 429 with the security headers, the request id and CORS for an allowed origin', async () => {
      expect((await get('/default', bad)).status).toBe(401);
      expect((await get('/default', bad)).status).toBe(401);
      const refused = await get('/default', { ...bad, origin: ORIGIN, 'x-request-id': 'probe-7' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
      expect(refused.headers.get('cache-control')).toBe('no-store');
      expect(refused.headers.get('x-request-id')).toBe('probe-7');
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=2;w=60');
      expect(refused.headers.get('ratelimit')).toBe('"auth-failure";r=0;t=60');
      expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');
      expect(await refused.json()).toEqual({
        type: 'urn:bulwark:problem:rate-limited',
        title: 'Too Many Requests',
        status: 429,
        detail: 'Too many failed authentication attempts. Retry after 30 seconds.',
        instance: '/default',
        requestId: 'probe-7',
      });
    });

    it('lets an address over its budget preflight, and refuses its failing attempts with any method', async () => {
      expect((await get('/default', bad)).status).toBe(401);
      expect((await get('/default', bad)).status).toBe(401);
      // The CORS layer answers a preflight before the guard, as it does for every other route.
      const preflight = await get(
        '/default',
        {
          origin: ORIGIN,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
        'OPTIONS',
      );
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      // Another origin's failing attempt is refused all the same, without CORS headers.
      const foreign = await get('/default', { ...bad, origin: 'https://evil.example' });
      expect(foreign.status).toBe(429);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(foreign.headers.get('x-content-type-options')).toBe('nosniff');
      const head = await get('/default', bad, 'HEAD');
      expect(head.status).toBe(429);
      expect(head.headers.get('retry-after')).toBe('30');
      expect(await head.text()).toBe('');
      // Nothing else at the address is refused: valid credentials, anonymous calls, unknown paths.
      expect((await get('/default', { authorization: 'Bearer good:carol' })).status).toBe(200);
      expect((await get('/default', {}, 'HEAD')).status).toBe(200);
      const unknown = await get('/no/such/route', bad);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      // The exempt probe answers with its headers.
      const probe = await get('/health/live');
      expect(probe.status).toBe(200);
      expect(probe.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    });
  },
);
