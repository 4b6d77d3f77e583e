import { Controller, Get, Module, Post, RequestMethod, VersioningType } from '@nestjs/common';
import { ApplicationConfig, NestFactory, RouterModule } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { describe, expect, it } from 'vitest';
import { discoverRoutes, NEST_ROUTE_METADATA } from './routes.js';

// discoverRoutes() relies on NestJS internals (see the comment on its RoutePathFactory import):
// these tests fail, naming what moved, when a NestJS upgrade moves or changes one of them.
describe('the NestJS internals route discovery relies on', () => {
  it('RoutePathFactory is still @nestjs/core/router/route-path-factory.js, built on ApplicationConfig', async () => {
    const internal = (await import('@nestjs/core/router/route-path-factory.js')) as {
      RoutePathFactory?: unknown;
    };
    expect(typeof internal.RoutePathFactory).toBe('function');
    const { RoutePathFactory } = await import('@nestjs/core/router/route-path-factory.js');
    expect(typeof new RoutePathFactory(new ApplicationConfig()).create).toBe('function');
  });

  it.each([
    [
      'prefix, URI version, module, controller and method paths',
      {
        globalPrefix: '/api',
        modulePath: '/admin',
        ctrlPath: '/notes',
        methodPath: '/:id',
        controllerVersion: '1',
        versioningOptions: { type: VersioningType.URI } as const,
      },
      ['/api/v1/admin/notes/:id'],
    ],
    [
      'one path per version',
      {
        ctrlPath: '/notes',
        methodPath: '',
        controllerVersion: ['1', '2'],
        versioningOptions: { type: VersioningType.URI } as const,
      },
      ['/v1/notes', '/v2/notes'],
    ],
    [
      'a route without prefix or version',
      { ctrlPath: '/health', methodPath: '/live' },
      ['/health/live'],
    ],
  ])('RoutePathFactory.create() joins %s', async (_what, metadata, paths) => {
    const { RoutePathFactory } = await import('@nestjs/core/router/route-path-factory.js');
    expect(
      new RoutePathFactory(new ApplicationConfig()).create(metadata, RequestMethod.GET),
    ).toEqual(paths);
  });

  it("the metadata keys are @nestjs/common's", async () => {
    const constants = await import('@nestjs/common/constants.js');
    expect(NEST_ROUTE_METADATA).toEqual({
      PATH_METADATA: constants.PATH_METADATA,
      METHOD_METADATA: constants.METHOD_METADATA,
      MODULE_PATH: constants.MODULE_PATH,
      VERSION_METADATA: constants.VERSION_METADATA,
    });
  });
});

@Controller('notes')
class NotesController {
  @Get(':id') get(): void {}
  @Post() create(): void {}
}

@Controller('health')
class HealthController {
  @Get('live') live(): void {}
}

@Controller('reports')
class ReportsController {
  @Get() list(): void {}
}

@Module({ controllers: [ReportsController] })
class AdminModule {}

@Module({
  imports: [AdminModule, RouterModule.register([{ path: 'admin', module: AdminModule }])],
  controllers: [NotesController, HealthController],
})
class AppModule {}

describe('discoverRoutes on a real application', () => {
  it('lists the paths Nest registers: prefix and its exclusions, URI version, RouterModule path', async () => {
    const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: false });
    try {
      app.setGlobalPrefix('api', { exclude: ['health/live'] });
      app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
      const routes = discoverRoutes(app).map((route) => `${route.method} ${route.path}`);
      expect(routes.sort()).toEqual([
        'GET /api/v1/admin/reports',
        'GET /api/v1/notes/:id',
        'GET /v1/health/live',
        'POST /api/v1/notes',
      ]);
    } finally {
      await app.close();
    }
  });
});
