import { AuthModule, CurrentPrincipal } from '@bulwark/auth';
import { type Principal, Public, type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, Get, Module, type Type } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RateLimitedInfo, RateLimitModule, SkipRateLimit } from '../src/index.js';

let now = Date.UTC(2030, 0, 1);
const limited: RateLimitedInfo[] = [];

@Controller()
class AppController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id };
  }

  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  // What @bulwark/health's probes look like: public and exempt.
  @Public()
  @SkipRateLimit()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

const rateLimit = () =>
  RateLimitModule.forRoot({
    limit: 3,
    windowSeconds: 60,
    authFailure: { limit: 2, windowSeconds: 60 },
    trustProxy: false,
    clock: () => now,
    onLimited: (info) => limited.push(info),
    env: {},
  });

/** The documented order: AuthModule first, so its guard sets the principal the limiter keys by. */
function appModule(issuer: TestIssuer): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
      }),
      rateLimit(),
    ],
    controllers: [AppController],
  })
  class AppModule {}
  return AppModule;
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(ADAPTERS)('rate limiting behind the real AuthModule on %s', (adapter) => {
  let running: RunningApp;
  let events: SecurityEvent[];
  let stop: () => void;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, { headers });

  beforeAll(async () => {
    running = await bootstrap(appModule(issuer), { adapter });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    // A fresh window for every key.
    now += 3_600_000;
    events = [];
    limited.length = 0;
    stop = subscribeSecurityEvents((event) => events.push(event));
  });
  afterEach(() => stop());

  it('gives each user their own budget, keyed by iss|sub rather than by token', async () => {
    const alice = bearer(issuer.mint({ claims: { sub: 'alice' } }));
    for (let i = 0; i < 3; i += 1) {
      const admitted = await get('/me', alice);
      expect(admitted.status).toBe(200);
      expect(await admitted.json()).toEqual({ id: `${issuer.issuer}|alice` });
    }
    // Another token for the same subject (other key, other jti) draws on the same budget.
    const aliceAgain = bearer(issuer.mint({ alg: 'RS256', claims: { sub: 'alice' } }));
    const refused = await get('/me', aliceAgain);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit')).toBe('"default";r=0;t=60');
    expect(limited).toEqual([
      { policy: 'default', reason: 'limit', keyType: 'principal', route: 'GET /me' },
    ]);
    expect(events.filter((event) => event.kind === 'rate_limit.exceeded')).toEqual([
      expect.objectContaining({ reason: 'limit', principalId: `${issuer.issuer}|alice` }),
    ]);

    // Bob, from the same address, has a full budget of his own.
    const bob = await get('/me', bearer(issuer.mint({ claims: { sub: 'bob' } })));
    expect(bob.status).toBe(200);
    expect(bob.headers.get('ratelimit')).toBe('"default";r=2;t=20');
  });

  it('keys an anonymous caller by address, apart from the users at that address', async () => {
    for (let i = 0; i < 3; i += 1) expect((await get('/open')).status).toBe(200);
    const refused = await get('/open');
    expect(refused.status).toBe(429);
    expect(limited).toEqual([
      { policy: 'default', reason: 'limit', keyType: 'address', route: 'GET /open' },
    ]);
    expect(events.at(-1)).toMatchObject({
      kind: 'rate_limit.exceeded',
      clientAddress: '127.0.0.1',
      principalId: undefined,
    });
    // The address's spent budget is not a user's budget.
    const alice = await get('/me', bearer(issuer.mint({ claims: { sub: 'alice' } })));
    expect(alice.status).toBe(200);
    expect(alice.headers.get('ratelimit')).toBe('"default";r=2;t=20');
  });

  it('blocks an address after repeated bad tokens, even with a valid token, before authentication', async () => {
    const expired = issuer.mint({ now: Math.floor(Date.now() / 1000) - 3_600 });
    const wrongAudience = issuer.mint({ claims: { aud: 'another-api' } });
    for (const token of [expired, wrongAudience]) {
      const response = await get('/me', bearer(token));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    expect(events.filter((event) => event.kind === 'authentication.failed')).toHaveLength(2);

    const valid = bearer(issuer.mint({ claims: { sub: 'carol' } }));
    const refused = await get('/me', valid);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=2;w=60');
    expect(await refused.json()).toMatchObject({
      type: 'urn:bulwark:problem:rate-limited',
      status: 429,
      detail: 'Too many failed authentication attempts. Retry after 30 seconds.',
    });
    expect((await get('/me', bearer(wrongAudience))).status).toBe(429);
    // The blocked requests never reached the token verifier.
    expect(events.filter((event) => event.kind === 'authentication.failed')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ kind: 'rate_limit.exceeded', reason: 'auth_failure' });

    // Exempt probes still answer; the block lifts as the quota refills.
    expect((await get('/health/live')).status).toBe(200);
    now += 30_000;
    expect((await get('/me', valid)).status).toBe(200);
  });

  it('counts a missing token on a protected route as an authentication failure', async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await get('/me');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    }
    expect((await get('/me', bearer(issuer.mint()))).status).toBe(429);
  });

  it('counts a malformed Authorization header (400 invalid_request) as an authentication failure', async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await get('/me', { authorization: 'Bearer a b' });
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
    }
    expect((await get('/me', bearer(issuer.mint()))).status).toBe(429);
  });

  it('never limits the exempt probe, whoever calls it', async () => {
    for (let i = 0; i < 6; i += 1) {
      const probe = await get('/health/live', i % 2 === 0 ? bearer('not-a-jwt') : {});
      expect(probe.status).toBe(200);
      expect(probe.headers.get('ratelimit')).toBeNull();
    }
    expect(limited).toEqual([]);
  });
});

describe.each(ADAPTERS)('RateLimitModule imported before AuthModule on %s', (adapter) => {
  let running: RunningApp;
  const get = (path: string, token: string) =>
    fetch(`${running.url}${path}`, { headers: bearer(token) });

  beforeAll(async () => {
    @Module({
      imports: [
        rateLimit(),
        AuthModule.forRoot({
          issuer: issuer.issuer,
          audience: issuer.audience,
          jwksUri: issuer.jwksUrl,
        }),
      ],
      controllers: [AppController],
    })
    class WrongOrderModule {}
    running = await bootstrap(WrongOrderModule, { adapter });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    now += 3_600_000;
    limited.length = 0;
  });

  // Documents why the README asks for AuthModule first: the limiter's guard runs before the
  // principal exists, so every user at one address shares that address's budget.
  it('falls back to address keys, so users at one address share a budget', async () => {
    for (const sub of ['alice', 'bob', 'carol']) {
      expect((await get('/me', issuer.mint({ claims: { sub } }))).status).toBe(200);
    }
    expect((await get('/me', issuer.mint({ claims: { sub: 'dave' } }))).status).toBe(429);
    expect(limited.map((info) => info.keyType)).toEqual(['address']);
  });
});
