import {
  getPrincipal,
  type Principal,
  ProblemException,
  Public,
  setResponseHeader,
} from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { setRequestId } from '@bulwark/core/request';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import {
  Controller,
  Get,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Req,
  Res,
} from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthModule, CurrentPrincipal } from '../src/index.js';

@Controller()
class ProbeController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id, scopes: principal.scopes, roles: principal.roles };
  }

  @Get('subject')
  subject(@CurrentPrincipal('subject') subject: string) {
    return { subject };
  }

  @Public()
  @Get('status')
  status(@Req() request: unknown) {
    return { anonymous: getPrincipal(request) === undefined };
  }

  // The scope check belongs to @bulwark/authz; this one shows the principal carries what it needs.
  @Get('notes')
  notes(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) response: unknown) {
    if (!principal.scopes.includes('notes:read')) {
      setResponseHeader(
        response,
        'www-authenticate',
        'Bearer realm="api", error="insufficient_scope", scope="notes:read"',
      );
      throw new ProblemException({ kind: 'insufficient-scope', status: 403, title: 'Forbidden' });
    }
    return { notes: [] };
  }
}

function appModule(issuer: TestIssuer, jwksUri = issuer.jwksUrl) {
  @Module({
    imports: [AuthModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience, jwksUri })],
    controllers: [ProbeController],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer
        .apply((req: unknown, _res: unknown, next: () => void) => {
          setRequestId(req, 'req-42');
          next();
        })
        .forRoutes('*');
    }
  }
  return AppModule;
}

describe.each(ADAPTERS)('AuthModule on %s', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  let events: SecurityEvent[] = [];
  let unsubscribe: () => void;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await bootstrap(appModule(issuer), { adapter });
    unsubscribe = subscribeSecurityEvents((event) => events.push(event));
  });
  afterAll(async () => {
    unsubscribe();
    await running.close();
    await issuer.close();
  });
  beforeEach(() => {
    events = [];
  });

  const get = (path: string, authorization?: string) =>
    fetch(`${running.url}${path}`, { headers: authorization ? { authorization } : {} });

  it('lets a valid token through and injects the principal', async () => {
    const token = issuer.mint({ claims: { scope: 'notes:read', roles: ['admin'] } });
    const response = await get('/me', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      id: `${issuer.issuer}|alice`,
      scopes: ['notes:read'],
      roles: ['admin'],
    });
    const subject = await get('/subject', `bearer ${token}`);
    expect(await subject.json()).toEqual({ subject: 'alice' });
  });

  it('skips @Public() routes', async () => {
    const response = await get('/status');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ anonymous: true });
  });

  it.each([
    ['no Authorization header', undefined, 'missing_credentials'],
    ['another scheme', 'Basic YWxpY2U6cHc=', 'unsupported_scheme'],
  ])('answers 401 with a bare challenge for %s', async (_label, header, reason) => {
    const response = await get('/me', header);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await response.json()).toMatchObject({
      type: 'urn:bulwark:problem:authentication-required',
      status: 401,
    });
    expect(events).toEqual([
      { kind: 'authentication.failed', reason, requestId: 'req-42', route: 'GET /me' },
    ]);
  });

  it('never reads a token from the query string', async () => {
    const response = await fetch(`${running.url}/me?access_token=${issuer.mint()}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"');
  });

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer a,b'], ['Bearer "x"']])(
    'answers 400 invalid_request for %j',
    async (header) => {
      const response = await get('/me', header);
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_request", error_description="The Authorization header is malformed"',
      );
      expect(events[0]?.reason).toBe('malformed_header');
    },
  );

  it.each([
    ['expired', () => issuer.mint({ now: Math.floor(Date.now() / 1000) - 3600 }), 'expired'],
    ['wrongly typed', () => issuer.mint({ header: { typ: 'JWT' } }), 'type_not_allowed'],
    ['oversized', () => issuer.mint({ claims: { pad: 'x'.repeat(9000) } }), 'token_too_long'],
    ['not a JWT', () => 'not.a.jwt', 'malformed_token'],
  ])(
    'answers 401 invalid_token for a token that is %s, with a generic description',
    async (_l, token, reason) => {
      const response = await get('/me', `Bearer ${token()}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
      );
      const body = await response.json();
      expect(body).toMatchObject({ type: 'urn:bulwark:problem:invalid-token', status: 401 });
      expect(JSON.stringify(body)).not.toContain(reason);
      expect(events).toEqual([
        { kind: 'authentication.failed', reason, requestId: 'req-42', route: 'GET /me' },
      ]);
    },
  );

  it('answers 403 when a scope is missing', async () => {
    const response = await get('/notes', `Bearer ${issuer.mint({ claims: { scope: 'other' } })}`);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const allowed = await get(
      '/notes',
      `Bearer ${issuer.mint({ claims: { scope: 'notes:read' } })}`,
    );
    expect(allowed.status).toBe(200);
  });
});

describe.each(ADAPTERS)('AuthModule on %s when keys never loaded', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    issuer.fail(503);
    running = await bootstrap(appModule(issuer), { adapter });
  });
  afterAll(async () => {
    await running.close();
    await issuer.close();
  });

  it('answers 503 instead of blaming the token', async () => {
    const response = await fetch(`${running.url}/me`, {
      headers: { authorization: `Bearer ${issuer.mint()}` },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      type: 'urn:bulwark:problem:authentication-unavailable',
    });
  });
});
