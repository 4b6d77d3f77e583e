import { AuthModule } from '@bulwark/auth';
import { AuthzModule, RequireScopes } from '@bulwark/authz';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { type RateLimitedInfo, RateLimitModule } from '@bulwark/rate-limit';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, type DynamicModule, Get, Module, Param, type Type } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let now = Date.UTC(2030, 0, 1);
const limited: RateLimitedInfo[] = [];

@Controller('v1/notes')
class NotesController {
  @RequireScopes('notes:read')
  @Get(':id')
  read(@Param('id') id: string) {
    return { id };
  }
}

type Order = 'auth, rate-limit, authz' | 'authz, rate-limit, auth';

function appModule(issuer: TestIssuer, order: Order): Type<unknown> {
  const auth = AuthModule.forRoot({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUrl,
  });
  const rateLimit = RateLimitModule.forRoot({
    limit: 3,
    windowSeconds: 60,
    authFailure: { limit: 2, windowSeconds: 60 },
    trustProxy: false,
    clock: () => now,
    onLimited: (info) => limited.push(info),
    env: {},
  });
  const authz = AuthzModule.forRoot();
  const imports: DynamicModule[] =
    order === 'auth, rate-limit, authz' ? [auth, rateLimit, authz] : [authz, rateLimit, auth];
  @Module({ imports, controllers: [NotesController] })
  class AppModule {}
  return AppModule;
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const ORDERS: Order[] = ['auth, rate-limit, authz', 'authz, rate-limit, auth'];
const CASES = ADAPTERS.flatMap((adapter) => ORDERS.map((order) => [adapter, order] as const));

// Regression: Nest ran the global guards of AuthModule, RateLimitModule and AuthzModule in module
// import order, and BulwarkModule's comment called that order load-bearing. In the reverse
// order, authz ran first and answered 401 to every valid token, and the limiter keyed by address.
describe.each(CASES)('on %s with the modules imported as %s', (adapter, order) => {
  let running: RunningApp;
  let events: SecurityEvent[];
  let stop: () => void;
  const get = (authorization?: string) =>
    fetch(`${running.url}/v1/notes/n1`, {
      headers: authorization === undefined ? {} : { authorization },
    });
  const bearer = (sub: string, scope = 'notes:read') =>
    `Bearer ${issuer.mint({ claims: { sub, scope } })}`;

  beforeAll(async () => {
    running = await bootstrap(appModule(issuer, order), { adapter });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    // A fresh window for every key.
    now += 3_600_000;
    limited.length = 0;
    events = [];
    stop = subscribeSecurityEvents((event) => events.push(event));
  });
  afterEach(() => stop());

  it('answers a request without a token 401 with the Bearer challenge (not 403, not 429)', async () => {
    const response = await get();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="/);
    expect(events.map((event) => `${event.kind}:${event.reason}`)).toEqual([
      'authentication.failed:missing_credentials',
    ]);
  });

  it('answers a valid token without the scope 403 insufficient_scope', async () => {
    const response = await get(bearer('mallory', 'profile'));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(events.map((event) => `${event.kind}:${event.reason}`)).toEqual([
      'authorization.denied:insufficient_scope',
    ]);
  });

  it('limits each principal to its own budget: 429 keyed by principal', async () => {
    const alice = bearer('alice');
    for (let i = 0; i < 3; i += 1) expect((await get(alice)).status).toBe(200);
    const refused = await get(alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(limited.map((info) => info.keyType)).toEqual(['principal']);
    expect(
      events
        .filter((event) => event.kind === 'rate_limit.exceeded')
        .map((event) => event.principalId),
    ).toEqual([`${issuer.issuer}|alice`]);
    // Bob, at the same address, has his own budget.
    expect((await get(bearer('bob'))).status).toBe(200);
  });

  it('answers failing attempts from an address over its budget 429, and admits a valid token from it', async () => {
    const forged = `${bearer('eve')}x`;
    expect((await get(forged)).status).toBe(401);
    expect((await get(forged)).status).toBe(401);
    const refused = await get(forged);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=2;w=60');
    expect(limited.map((info) => [info.reason, info.keyType])).toEqual([
      ['auth_failure', 'address'],
    ]);
    expect((await get(bearer('carol'))).status).toBe(200);
  });
});
