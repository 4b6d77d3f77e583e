import { AuthModule, CurrentPrincipal } from '@bulwark/auth';
import { type Principal, Public } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
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

  it('answers failing attempts from an address over its budget with 429, and still admits a valid token from it', async () => {
    const expired = issuer.mint({ now: Math.floor(Date.now() / 1000) - 3_600 });
    const wrongAudience = issuer.mint({ claims: { aud: 'another-api' } });
    for (const token of [expired, wrongAudience]) {
      const response = await get('/me', bearer(token));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
    expect(events.filter((event) => event.kind === 'authentication.failed')).toHaveLength(2);

    const refused = await get('/me', bearer(wrongAudience));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=2;w=60');
    expect(refused.headers.get('ratelimit')).toBe('"auth-failure";r=0;t=60');
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect(await refused.json()).toMatchObject({
      type: 'urn:bulwark:problem:rate-limited',
      status: 429,
      detail: 'Too many failed authentication attempts. Retry after 30 seconds.',
    });
    // The attempt was authenticated, and failed, before it was refused.
    expect(events.filter((event) => event.kind === 'authentication.failed')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      kind: 'rate_limit.exceeded',
      reason: 'auth_failure',
      clientAddress: '127.0.0.1',
    });
    expect(limited).toEqual([
      { policy: 'auth-failure', reason: 'auth_failure', keyType: 'address', route: 'GET /me' },
    ]);

    // A valid token from the same address passes, limited by its principal's own budget.
    const carol = await get('/me', bearer(issuer.mint({ claims: { sub: 'carol' } })));
    expect(carol.status).toBe(200);
    expect(await carol.json()).toEqual({ id: `${issuer.issuer}|carol` });
    expect(carol.headers.get('ratelimit')).toBe('"default";r=2;t=20');
    // So does an anonymous request to a public route, on the address's own default budget.
    expect((await get('/open', bearer(expired))).status).toBe(200);
    expect((await get('/health/live', bearer(expired))).status).toBe(200);

    // The quota refills: one more failure is answered 401 again.
    now += 30_000;
    expect((await get('/me', bearer(expired))).status).toBe(401);
    expect((await get('/me', bearer(expired))).status).toBe(429);
  });

  it('neither counts nor refuses a request without credentials: it gets its 401 challenge', async () => {
    for (let i = 0; i < 4; i += 1) {
      const response = await get('/me');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    }
    // Nothing was charged: the first bad token is a 401, not a 429.
    expect((await get('/me', bearer('junk'))).status).toBe(401);
    expect(limited).toEqual([]);
  });

  it('counts a malformed Authorization header (400 invalid_request) as an authentication failure', async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await get('/me', { authorization: 'Bearer a b' });
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
    }
    expect((await get('/me', { authorization: 'Bearer a b' })).status).toBe(429);
    expect((await get('/me', { authorization: 'Basic YWxpY2U6c2VjcmV0' })).status).toBe(429);
    expect((await get('/me', bearer(issuer.mint()))).status).toBe(200);
    // Without credentials, still the challenge.
    expect((await get('/me')).status).toBe(401);
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

  // Regression: Nest ran the global guards in module import order, so with RateLimitModule
  // imported first the limiter ran before the principal existed and every user at one address
  // shared that address's budget. The request pipeline runs authentication first in any order.
  it('keys by principal all the same: each user has their own budget', async () => {
    for (const sub of ['alice', 'bob', 'carol', 'dave']) {
      expect((await get('/me', issuer.mint({ claims: { sub } }))).status).toBe(200);
    }
    const erin = issuer.mint({ claims: { sub: 'erin' } });
    for (let i = 0; i < 3; i += 1) expect((await get('/me', erin)).status).toBe(200);
    expect((await get('/me', erin)).status).toBe(429);
    expect(limited.map((info) => info.keyType)).toEqual(['principal']);
  });
});

// Regression: one client sending junk tokens got every caller at its address refused with 429,
// valid tokens included, for as long as it kept going. Default limits, as a generated service.
describe.each(ADAPTERS)('a flood of junk tokens from one address on %s', (adapter) => {
  const FLOOD = 150;

  function floodModule(env: Record<string, string>): Type<unknown> {
    @Module({
      imports: [
        AuthModule.forRoot({
          issuer: issuer.issuer,
          audience: issuer.audience,
          jwksUri: issuer.jwksUrl,
        }),
        RateLimitModule.forRoot({ clock: () => now, env }),
      ],
      controllers: [AppController],
    })
    class FloodModule {}
    return FloodModule;
  }

  async function flood(url: string, headers: Record<string, string> = {}): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < FLOOD; i += 1) {
      const response = await fetch(`${url}/me`, {
        headers: { ...headers, ...bearer(`junk-${i}`) },
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    return statuses;
  }

  const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

  describe('when clients connect directly', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await bootstrap(floodModule({}), { adapter });
    });
    afterAll(() => running.close());
    beforeEach(() => {
      now += 3_600_000;
    });

    it('does not lock out a valid token from the same address after 150 junk tokens', async () => {
      const statuses = await flood(running.url);
      // RATE_LIMIT_MAX (100) failures are answered 401, the rest are slowed down with 429.
      expect(count(statuses, 401)).toBe(100);
      expect(count(statuses, 429)).toBe(FLOOD - 100);
      const valid = await fetch(`${running.url}/me`, {
        headers: bearer(issuer.mint({ claims: { sub: 'victim' } })),
      });
      expect(valid.status).toBe(200);
      expect(await valid.json()).toEqual({ id: `${issuer.issuer}|victim` });
      expect(valid.headers.get('ratelimit')).toBe('"default";r=99;t=1');
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=1) that sends X-Forwarded-For', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await bootstrap(floodModule({ TRUST_PROXY: '1' }), { adapter });
    });
    afterAll(() => running.close());
    beforeEach(() => {
      now += 3_600_000;
    });

    it('does not lock out a valid token from the same client after 150 junk tokens', async () => {
      const attacker = { 'x-forwarded-for': '203.0.113.7' };
      const statuses = await flood(running.url, attacker);
      expect(count(statuses, 401)).toBe(100);
      expect(count(statuses, 429)).toBe(FLOOD - 100);
      const valid = await fetch(`${running.url}/me`, {
        headers: { ...attacker, ...bearer(issuer.mint({ claims: { sub: 'victim' } })) },
      });
      expect(valid.status).toBe(200);
      // Another client behind the same proxy is not slowed down by the first one's failures.
      const neighbour = await fetch(`${running.url}/me`, {
        headers: { 'x-forwarded-for': '203.0.113.8', ...bearer('junk') },
      });
      expect(neighbour.status).toBe(401);
      // Nor is its anonymous traffic, keyed by its own address: a full budget.
      const open = await fetch(`${running.url}/open`, {
        headers: { 'x-forwarded-for': '203.0.113.8' },
      });
      expect(open.status).toBe(200);
      expect(open.headers.get('ratelimit')).toBe('"default";r=99;t=1');
    });
  });
});
