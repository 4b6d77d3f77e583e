import { type Principal } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { setRequestId } from '@bulwark/core/request';
import { HealthModule } from '@bulwark/health';
import { MetricsModule, MetricsService } from '@bulwark/metrics';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, Get, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenVerifier } from '../src/exports/verifier.js';
import { AuthModule, CurrentPrincipal } from '../src/index.js';
import { manualClock, reasonOf } from './helpers.js';
import { type JwksServer, startJwksServer } from './support/jwks-server.js';

const waitLong = { timeout: 30_000, interval: 50 };

describe('scheduled key refresh', () => {
  let issuer: TestIssuer;
  let jwks: JwksServer;
  let published: { keys: unknown[] };
  beforeAll(async () => {
    issuer = await createTestIssuer();
    published = (await (await fetch(issuer.jwksUrl)).json()) as { keys: unknown[] };
  });
  afterAll(() => issuer.close());
  afterEach(() => jwks.stop());

  it('refreshes on schedule while every token is answered from the cache, and drops a withdrawn key', async () => {
    jwks = await startJwksServer(published);
    const clock = manualClock();
    const verifier = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: jwks.url,
      jwksMaxAgeSeconds: 1,
      clock: clock.now,
    });
    try {
      await verifier.warmUp();
      const token = issuer.mint({ now: clock.seconds(), ttlSeconds: 3600 });
      expect(await reasonOf(verifier.verify(token))).toBe('accepted');
      expect(verifier.verifyCached(token)).toBeDefined();
      const hits = jwks.hits;

      // The IdP withdraws the key. No token reaches the key set: only the schedule can notice.
      jwks.serve({ keys: [] });
      await vi.waitFor(() => expect(jwks.hits).toBeGreaterThan(hits), waitLong);
      await vi.waitFor(() => expect(verifier.verifyCached(token)).toBeUndefined(), waitLong);
      expect(await reasonOf(verifier.verify(token))).toBe('unknown_key');
    } finally {
      verifier.close();
    }
  });

  it('stops refreshing once closed', async () => {
    jwks = await startJwksServer(published);
    const verifier = new TokenVerifier({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: jwks.url,
      jwksMaxAgeSeconds: 1,
    });
    await verifier.warmUp();
    verifier.close();
    const hits = jwks.hits;
    // Two refresh periods without a fetch; the closed verifier holds no timer.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(jwks.hits).toBe(hits);
  });
});

@Controller()
class MeController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id };
  }
}

describe.each(ADAPTERS)('keys older than jwksMaxStaleSeconds on %s', (adapter) => {
  let issuer: TestIssuer;
  let jwks: JwksServer;
  let running: RunningApp;
  let events: SecurityEvent[];
  let unsubscribe: () => void;
  const clock = manualClock();

  beforeAll(async () => {
    issuer = await createTestIssuer();
    jwks = await startJwksServer(await (await fetch(issuer.jwksUrl)).json());
    @Module({
      imports: [
        AuthModule.forRoot({
          issuer: issuer.issuer,
          audience: issuer.audience,
          jwksUri: jwks.url,
          jwksMaxAgeSeconds: 600,
          jwksMaxStaleSeconds: 3600,
          jwksCooldownSeconds: 1,
          clock: clock.now,
        }),
        HealthModule.forRoot(),
        MetricsModule.forRoot({ port: 0, host: '127.0.0.1', defaultMetrics: false }),
      ],
      controllers: [MeController],
    })
    class AppModule implements NestModule {
      configure(consumer: MiddlewareConsumer) {
        consumer
          .apply((request: unknown, _response: unknown, next: () => void) => {
            setRequestId(request, 'req-stale');
            next();
          })
          .forRoutes('*');
      }
    }
    running = await bootstrap(AppModule, { adapter });
    events = [];
    unsubscribe = subscribeSecurityEvents((event) => events.push(event));
  });
  afterAll(async () => {
    unsubscribe();
    await running.close();
    await jwks.stop();
    await issuer.close();
  });

  const readiness = async () => (await fetch(`${running.url}/health/ready`)).status;
  const me = (token: string) =>
    fetch(`${running.url}/me`, { headers: { authorization: `Bearer ${token}` } });
  const metrics = async () => {
    const port = running.app.get(MetricsService).port;
    return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  };

  it('answers 401, turns unready and says why while the JWKS is down, and recovers when it is back', async () => {
    await vi.waitFor(async () => expect(await readiness()).toBe(200), waitLong);
    const token = issuer.mint({ now: clock.seconds(), ttlSeconds: 7 * 86_400 });
    expect((await me(token)).status).toBe(200);

    await jwks.stop();
    clock.advance(3601);

    // The token is in the verified-token cache: stale keys must stop vouching for it anyway.
    const refused = await me(token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
    );
    expect(events).toContainEqual({
      kind: 'authentication.failed',
      reason: 'keys_stale',
      requestId: 'req-stale',
      route: 'GET /me',
    });
    expect(events).toContainEqual({
      kind: 'authentication.failed',
      reason: 'keys_stale',
      details: { issuer: issuer.issuer, ageSeconds: 3601, maxStaleSeconds: 3600 },
    });
    await vi.waitFor(async () => expect(await readiness()).toBe(503), waitLong);
    expect(await metrics()).toMatch(
      /bulwark_authentication_failures_total\{reason="keys_stale"\} [1-9]/,
    );

    await jwks.start();
    await vi.waitFor(async () => expect(await readiness()).toBe(200), waitLong);
    expect((await me(token)).status).toBe(200);
  });
});
