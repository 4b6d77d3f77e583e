import { AuthModule } from '@bulwark/auth';
import { createSecureApp } from '@bulwark/http';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, Get, Module, type Type } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitModule } from '../src/index.js';

let now = Date.UTC(2030, 0, 1);

@Controller()
class UpstreamController {
  /** What an HTTP client throws when the service's own call to a dependency gets a 401. */
  @Get('profile')
  profile() {
    throw Object.assign(new Error('Request failed with status code 401'), {
      status: 401,
      statusCode: 401,
      response: { status: 401, headers: { 'www-authenticate': 'Bearer realm="upstream"' } },
    });
  }
}

function appModule(issuer: TestIssuer): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
      }),
      RateLimitModule.forRoot({
        limit: 100,
        windowSeconds: 60,
        authFailure: { limit: 2, windowSeconds: 60 },
        trustProxy: false,
        clock: () => now,
        env: {},
      }),
    ],
    controllers: [UpstreamController],
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

describe.each(ADAPTERS)(
  'a dependency failing with 401 behind the brute-force guard on %s',
  (adapter) => {
    let running: RunningApp;
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${running.url}${path}`, { headers });

    beforeAll(async () => {
      const app = await createSecureApp(appModule(issuer), { adapter, logger: false, env: {} });
      running = await bootstrap(app, { adapter });
    });
    afterAll(() => running.close());
    beforeEach(() => {
      now += 3_600_000;
    });

    it('regression: answers 500, and charges nothing to the caller, however often it happens', async () => {
      const alice = bearer(issuer.mint({ claims: { sub: 'alice' } }));
      // Twice the guard's limit of failed attempts from this address.
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const response = await get('/profile', alice);
        statuses.push(response.status);
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(await response.json()).toMatchObject({ title: expect.any(String) });
      }
      // Nothing was counted: a bad token from the same address is still a plain 401, the
      // first of the two failures the guard allows before it answers 429.
      const junk = bearer('junk.token.value');
      const first = await get('/profile', junk);
      expect({ statuses, afterwards: first.status }).toEqual({
        statuses: [500, 500, 500, 500],
        afterwards: 401,
      });
      expect(first.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect((await get('/profile', junk)).status).toBe(401);
      // The guard is on: the third failure in the window is refused.
      expect((await get('/profile', junk)).status).toBe(429);
    });
  },
);
