import { BulwarkConfigError, Public } from '@bulwark/core';
import { ADAPTERS, bootstrap, createAdapter } from '@bulwark/test-harness';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { Authorize, AuthzError, AuthzModule, RequireScopes } from '../src/index.js';
import { call } from './support/http.js';

@Controller('v1/things')
class UndeclaredController {
  @Public()
  @Get('open')
  open() {
    return 'ok';
  }

  @Get()
  list() {
    return [];
  }

  @RequireScopes('things:write')
  @Get('export')
  exportAll() {
    return [];
  }

  @Get(':id')
  one() {
    return {};
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [UndeclaredController] })
class UndeclaredApp {}

@Controller('v1/mixed')
class ConflictingController {
  @Public()
  @RequireScopes('mixed:read')
  @Get()
  read() {
    return [];
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [ConflictingController] })
class ConflictingApp {}

@Injectable()
class UnregisteredLoader {
  load() {
    return {};
  }
}

@Controller('v1/orphans')
class OrphanController {
  @Authorize({ action: 'orphans:read', load: UnregisteredLoader, policy: () => 'allow' })
  @Get(':id')
  read() {
    return {};
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [OrphanController] })
class OrphanApp {}

@Controller('v1/items')
class ItemsController {
  @RequireScopes('items:read')
  @Get()
  list() {
    return [];
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [ItemsController] })
class NoAuthApp {}

@Module({
  imports: [AuthzModule.forRoot({ undeclaredRoutes: 'warn' })],
  controllers: [UndeclaredController],
})
class WarnApp {}

describe.each(ADAPTERS)('start-up on %s', (adapter) => {
  it('fails on routes that declare neither @Public() nor a requirement, naming them and the fix', async () => {
    const failure = bootstrap(UndeclaredApp, { adapter });
    await expect(failure).rejects.toBeInstanceOf(AuthzError);
    await expect(failure).rejects.toMatchObject({
      code: 'AUTHZ_UNDECLARED_ROUTES',
      message:
        'Deny by default: 2 route(s) declare neither @Public() nor an authorization requirement:\n' +
        '  - GET /v1/things (UndeclaredController.list)\n' +
        '  - GET /v1/things/:id (UndeclaredController.one)\n' +
        'Fix: mark anonymous routes @Public() (from @bulwark/core), or declare who may call each one with @RequireScopes(), @RequireRoles(), @RequirePermissions(), @Authenticated() or @Authorize() (from @bulwark/authz).',
    });
  });

  it('names the global prefix in the failing routes', async () => {
    const app = await NestFactory.create(UndeclaredApp, createAdapter(adapter), { logger: false });
    app.setGlobalPrefix('api');
    await expect(app.init()).rejects.toThrow('  - GET /api/v1/things (UndeclaredController.list)');
    await app.close();
  });

  it('fails on a route that is both @Public() and guarded', async () => {
    await expect(bootstrap(ConflictingApp, { adapter })).rejects.toMatchObject({
      code: 'AUTHZ_CONFLICTING_DECLARATION',
      message: expect.stringContaining('  - GET /v1/mixed (ConflictingController.read)'),
    });
  });

  it('fails when an injectable loader is not a provider', async () => {
    await expect(bootstrap(OrphanApp, { adapter })).rejects.toMatchObject({
      code: 'AUTHZ_UNRESOLVED_PROVIDER',
      message:
        'UnregisteredLoader, used by @Authorize() on GET /v1/orphans/:id (OrphanController.read), is not a provider: add it to the providers of a module',
    });
  });

  it("with undeclaredRoutes 'warn', starts but still denies the undeclared routes", async () => {
    const running = await bootstrap(WarnApp, { adapter });
    try {
      expect((await call(running.url, 'GET', '/v1/things/open')).status).toBe(200);
      // No auth module: no principal, so authz answers 401 before it would answer 403.
      expect((await call(running.url, 'GET', '/v1/things')).status).toBe(401);
    } finally {
      await running.close();
    }
  });

  it('fails closed with 401 when no authentication guard set a principal', async () => {
    const running = await bootstrap(NoAuthApp, { adapter });
    try {
      const answer = await call(running.url, 'GET', '/v1/items', { token: 'not-checked' });
      expect(answer.status).toBe(401);
      // The same 401 as @bulwark/auth's, in its default realm (no AuthModule recorded another).
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(answer.body).toEqual({
        type: 'urn:bulwark:problem:authentication-required',
        title: 'Unauthorized',
        status: 401,
        detail: 'This resource needs a bearer access token.',
      });
    } finally {
      await running.close();
    }
  });
});

describe('options', () => {
  it.each([
    [{ objectDenialStatus: 500 }, 'objectDenialStatus: must be 404 (default) or 403'],
    [{ undeclaredRoutes: 'ignore' }, "undeclaredRoutes: must be 'fail' (default) or 'warn'"],
    [
      { permissions: { admin: 'all' } },
      'permissions.admin: must be an array of non-empty permission names',
    ],
    [
      { validation: { protectedFields: 'id' } },
      'validation.protectedFields: must be an array of field names',
    ],
    [{ serialization: 'yes' }, 'serialization: must be true (default) or false'],
  ])('forRoot(%j) fails at registration, naming the option', (options, message) => {
    const register = () => AuthzModule.forRoot(options as never);
    expect(register).toThrow(BulwarkConfigError);
    expect(register).toThrow(message);
  });

  it('rejects invalid declarations when the decorator is applied', () => {
    expect(() => RequireScopes({ anyOf: [] })).toThrow(
      '@RequireScopes() needs at least one name; an empty list would allow everyone',
    );
    expect(() => RequireScopes({ anyOf: ['a'], allOf: ['b'] } as never)).toThrow(
      '@RequireScopes() takes a single name, { allOf: [...] } or { anyOf: [...] }, not both',
    );
    expect(() => RequireScopes('two words')).toThrow(
      'names must be non-empty strings without spaces',
    );
  });
});
