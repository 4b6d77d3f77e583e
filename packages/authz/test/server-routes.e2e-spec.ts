import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulwarkConfigError, Public } from '@bulwark/core';
import { ADAPTERS, type AdapterName, createAdapter } from '@bulwark/test-harness';
import {
  Controller,
  Get,
  type INestApplication,
  Module,
  VERSION_NEUTRAL,
  Version,
  VersioningType,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouteInventory } from '../src/exports/inventory.js';
import { AuthzError, AuthzModule, type AuthzModuleOptions, RequireScopes } from '../src/index.js';
import { call } from './support/http.js';

@Controller('things')
class ThingsController {
  @Public()
  @Get()
  list() {
    return ['thing'];
  }

  @RequireScopes('things:read')
  @Version('2')
  @Get(':id')
  one() {
    return {};
  }

  @Public()
  @Version(VERSION_NEUTRAL)
  @Get('about/info')
  about() {
    return 'about';
  }
}

function appModule(options: AuthzModuleOptions = {}) {
  @Module({ imports: [AuthzModule.forRoot(options)], controllers: [ThingsController] })
  class AppModule {}
  return AppModule;
}

/** A route added straight to the server, as a docs UI or a health library would. */
function addRawRoute(app: INestApplication, adapter: AdapterName, path: string): void {
  if (adapter === 'express') {
    (app as NestExpressApplication)
      .getHttpAdapter()
      .getInstance()
      .get(path, (_request: unknown, response: { send(body: string): void }) => {
        response.send('unguarded');
      });
  } else {
    (app as NestFastifyApplication)
      .getHttpAdapter()
      .getInstance()
      .get(path, async () => 'unguarded');
  }
}

async function start(
  adapter: AdapterName,
  options: AuthzModuleOptions,
  configure: (app: INestApplication) => void | Promise<void> = () => undefined,
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(appModule(options), createAdapter(adapter), {
    logger: false,
    abortOnError: false,
  });
  try {
    await configure(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

const FIX =
  'Fix: serve them from a controller marked @Public() or with a requirement, or, if they must ' +
  "stay outside Nest, list them in AuthzModule.forRoot({ unguardedRoutes: ['GET /docs'] }); " +
  'the route inventory lists every allowed one.';

describe.each(ADAPTERS)('routes answered outside the controllers on %s', (adapter) => {
  it('stop start-up, naming the method and path of a route added to the server instance', async () => {
    const failure = start(adapter, {}, (app) => addRawRoute(app, adapter, '/internal/dump'));
    await expect(failure).rejects.toBeInstanceOf(AuthzError);
    await expect(failure).rejects.toMatchObject({
      code: 'AUTHZ_UNGUARDED_ROUTES',
      message: `Deny by default: 1 route(s) are answered by the HTTP server but declared by no controller, so no guard checks them:\n  - GET /internal/dump\n${FIX}`,
    });
  });

  it('start when the route is in the unguardedRoutes allow-list, which the inventory lists', async () => {
    const running = await start(adapter, { unguardedRoutes: ['GET /internal/dump'] }, (app) =>
      addRawRoute(app, adapter, '/internal/dump'),
    );
    try {
      expect((await call(running.url, 'GET', '/internal/dump')).body).toBe('unguarded');
      expect(buildRouteInventory(running.app)).toContainEqual({
        method: 'GET',
        path: '/internal/dump',
        handler: '(HTTP server, allow-listed)',
        authentication: 'public',
        declared: true,
        scopes: '-',
        roles: '-',
        permissions: '-',
        peer: '-',
        policy: 'unguarded',
        body: '-',
        rateLimit: 'none',
      });
    } finally {
      await running.app.close();
    }
  });

  it('start with CORS enabled (the preflight route is not a finding)', async () => {
    const running = await start(adapter, {}, (app) =>
      app.enableCors({ origin: ['https://app.example'] }),
    );
    try {
      const preflight = await fetch(`${running.url}/things`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    } finally {
      await running.app.close();
    }
  });
});

describe('static files on express', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'authz-static-'));
    writeFileSync(join(directory, 'secret.txt'), 'not for everyone');
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('stop start-up unless allow-listed', async () => {
    const serveStatic = (app: INestApplication) => {
      (app as NestExpressApplication).useStaticAssets(directory, { prefix: '/files' });
    };
    await expect(start('express', {}, serveStatic)).rejects.toMatchObject({
      code: 'AUTHZ_UNGUARDED_ROUTES',
      message: expect.stringContaining('\n  - GET /files/*\n'),
    });
    const running = await start('express', { unguardedRoutes: ['GET /files/*'] }, serveStatic);
    try {
      expect((await call(running.url, 'GET', '/files/secret.txt')).body).toBe('not for everyone');
    } finally {
      await running.app.close();
    }
  });
});

describe('routes a Fastify plugin adds when the server gets ready', () => {
  it('stop start-up too', async () => {
    const failure = start('fastify', {}, async (app) => {
      // As a docs UI plugin would: its routes are added only when the server gets ready.
      const docs = async (instance: {
        get(path: string, handler: () => Promise<string>): void;
      }) => {
        instance.get('/docs', async () => '<html>docs</html>');
      };
      await (app as NestFastifyApplication).register(docs as never);
    });
    await expect(failure).rejects.toMatchObject({
      code: 'AUTHZ_UNGUARDED_ROUTES',
      message: expect.stringContaining('\n  - GET /docs\n'),
    });
  });
});

describe.each(ADAPTERS)('URI versioning on %s', (adapter) => {
  let running: { app: INestApplication; url: string };
  beforeAll(async () => {
    running = await start(adapter, {}, (app) => {
      app.setGlobalPrefix('api');
      app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
    });
  });
  afterAll(() => running.app.close());

  it('lists versioned routes under the paths the server answers', async () => {
    const paths = buildRouteInventory(running.app).map((entry) => `${entry.method} ${entry.path}`);
    expect(paths).toEqual([
      'GET /api/things/about/info',
      'GET /api/v1/things',
      'GET /api/v2/things/:id',
    ]);
    expect((await call(running.url, 'GET', '/api/v1/things')).status).toBe(200);
    expect((await call(running.url, 'GET', '/api/things/about/info')).status).toBe(200);
    // No principal: authz answers 401, so the guard runs on the versioned path.
    expect((await call(running.url, 'GET', '/api/v2/things/1')).status).toBe(401);
  });
});

describe('unguardedRoutes option', () => {
  it.each([
    [
      { unguardedRoutes: 'GET /docs' },
      "unguardedRoutes: must be an array of 'METHOD /path' strings",
    ],
    [
      { unguardedRoutes: ['GET /docs', 'docs'] },
      "unguardedRoutes[1]: must be 'METHOD /path' with an HTTP method or ALL, such as 'GET /docs'",
    ],
    [
      { unguardedRoutes: ['FETCH /docs'] },
      "unguardedRoutes[0]: must be 'METHOD /path' with an HTTP method or ALL, such as 'GET /docs'",
    ],
  ])('forRoot(%j) fails at registration, naming the option', (options, message) => {
    const register = () => AuthzModule.forRoot(options as never);
    expect(register).toThrow(BulwarkConfigError);
    expect(register).toThrow(message);
  });
});
