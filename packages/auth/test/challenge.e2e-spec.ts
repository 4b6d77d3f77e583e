import { getPrincipal, Public, problem } from '@bulwark/core';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthModule, type AuthModuleOptions } from '../src/index.js';

/**
 * A 401 raised outside the auth guard, as `@bulwark/authz` raises it when a request reaches it
 * with no principal: `problem('authentication-required')` from `@bulwark/core`'s catalog.
 */
@Controller()
class ProbeController {
  @Public()
  @Get('elsewhere')
  elsewhere(@Req() request: unknown, @Res({ passthrough: true }) response: unknown) {
    if (getPrincipal(request) === undefined) {
      throw problem('authentication-required', { reason: 'unauthenticated', response });
    }
    return {};
  }

  @Get('me')
  me() {
    return {};
  }
}

function appModule(issuer: TestIssuer, options: AuthModuleOptions) {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
        ...options,
      }),
    ],
    controllers: [ProbeController],
  })
  class AppModule {}
  return AppModule;
}

async function get(url: string) {
  const answer = await fetch(url);
  return {
    status: answer.status,
    challenge: answer.headers.get('www-authenticate'),
    body: await answer.json(),
  };
}

describe.each(ADAPTERS)('one 401 challenge on %s', (adapter) => {
  let issuer: TestIssuer;

  beforeAll(async () => {
    issuer = await createTestIssuer();
  });

  afterAll(async () => {
    await issuer.close();
  });

  it("answers a 401 raised elsewhere exactly as the guard's, in the configured realm", async () => {
    const running: RunningApp = await bootstrap(appModule(issuer, { realm: 'notes' }), {
      adapter,
    });
    try {
      const expected = {
        status: 401,
        challenge: 'Bearer realm="notes"',
        body: {
          type: 'urn:bulwark:problem:authentication-required',
          title: 'Unauthorized',
          status: 401,
          detail: 'This resource needs a bearer access token.',
        },
      };
      expect(await get(`${running.url}/me`)).toEqual(expected);
      expect(await get(`${running.url}/elsewhere`)).toEqual(expected);
    } finally {
      await running.close();
    }
    // Closed, the app's realm is forgotten: the default again.
    expect(problem('authentication-required').headers).toEqual({
      'www-authenticate': 'Bearer realm="api"',
    });
  });

  it('challenges with DPoP and its algorithms when the module requires DPoP', async () => {
    const running = await bootstrap(
      appModule(issuer, { realm: 'notes', dpop: { mode: 'required', algorithms: ['ES256'] } }),
      { adapter },
    );
    try {
      const expected = {
        status: 401,
        challenge: 'DPoP realm="notes", algs="ES256"',
        body: {
          type: 'urn:bulwark:problem:authentication-required',
          title: 'Unauthorized',
          status: 401,
          detail: 'This resource needs a DPoP-bound access token.',
        },
      };
      expect(await get(`${running.url}/me`)).toEqual(expected);
      expect(await get(`${running.url}/elsewhere`)).toEqual(expected);
    } finally {
      await running.close();
    }
  });
});
