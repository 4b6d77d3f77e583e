import { AuthModule } from '@bulwark/auth';
import { Public } from '@bulwark/core';
import { RateLimit, RateLimitModule, SkipRateLimit } from '@bulwark/rate-limit';
import { RateLimiter } from '@bulwark/rate-limit/limiter';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, Get, Module, Post, type Type } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouteInventory, formatRouteInventory } from '../src/exports/inventory.js';
import { AuthzModule, RequireScopes } from '../src/index.js';

@Controller('v1/search')
@RateLimit({ policy: 'search' })
class SearchController {
  @Public()
  @Get()
  search() {
    return [];
  }

  @Public()
  @RateLimit({ policy: 'search', cost: 2 })
  @Get('deep')
  deep() {
    return [];
  }

  @RequireScopes('search:export')
  @RateLimit({ limit: 5, windowSeconds: 10, name: 'export' })
  @Get('export')
  export() {
    return [];
  }

  @Public()
  @SkipRateLimit()
  @Get('suggest')
  suggest() {
    return [];
  }
}

@Controller('v1/jobs')
class JobsController {
  @RequireScopes('jobs:write')
  @RateLimit({ cost: 3 })
  @Post()
  create() {
    return {};
  }

  @Public()
  @Get()
  list() {
    return [];
  }
}

@Controller('health')
@Public()
@SkipRateLimit()
class HealthController {
  @Get('live')
  live() {
    return { status: 'up' };
  }

  // A route's own limit wins over its controller's skip, in the limiter and in the inventory.
  @RateLimit({ limit: 1 })
  @Get('noisy')
  noisy() {
    return { status: 'up' };
  }
}

const CONTROLLERS = { SearchController, JobsController, HealthController } as const;

/** Authentication, then rate limiting, then authorization: the order of the request path. */
function appModule(issuer: TestIssuer): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
        devIssuer: false,
      }),
      RateLimitModule.forRoot({
        limit: 10,
        windowSeconds: 60,
        policies: { search: { limit: 4, windowSeconds: 30 } },
        clock: () => Date.UTC(2030, 0, 1),
        env: {},
      }),
      AuthzModule.forRoot(),
    ],
    controllers: Object.values(CONTROLLERS),
  })
  class AppModule {}
  return AppModule;
}

/** The limiter's own view of a route: `skip`, or `policy xcost`. */
function limiterView(limiter: RateLimiter, handler: string): string {
  const [controllerName, method] = handler.split('.') as [keyof typeof CONTROLLERS, string];
  const controller = CONTROLLERS[controllerName];
  const rule = limiter.route(
    (controller.prototype as unknown as Record<string, () => unknown>)[method] as () => unknown,
    controller,
  );
  return rule === null ? 'skip' : `${rule.policy.name} x${rule.cost}`;
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

describe.each(ADAPTERS)('route inventory of @bulwark/rate-limit declarations on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(appModule(issuer), { adapter });
  });
  afterAll(() => running.close());

  it('shows @RateLimit() and @SkipRateLimit() as declared, with the limiter agreeing', () => {
    const entries = buildRouteInventory(running.app);
    const limiter = running.app.get(RateLimiter);
    const rows = entries.map((entry) => [
      `${entry.method} ${entry.path}`,
      entry.rateLimit,
      limiterView(limiter, entry.handler),
    ]);
    expect(rows).toEqual([
      ['GET /health/live', 'skip', 'skip'],
      ['GET /health/noisy', 'limit=1', 'route x1'],
      ['GET /v1/jobs', 'default', 'default x1'],
      ['POST /v1/jobs', 'cost=3', 'default x3'],
      ['GET /v1/search', 'policy=search', 'search x1'],
      ['GET /v1/search/deep', 'policy=search cost=2', 'search x2'],
      ['GET /v1/search/export', 'limit=5 windowSeconds=10 name=export', 'export x1'],
      ['GET /v1/search/suggest', 'skip', 'skip'],
    ]);
    expect(entries.every((entry) => entry.declared)).toBe(true);
  });

  it('prints them in the table (snapshot)', () => {
    expect(formatRouteInventory(buildRouteInventory(running.app))).toMatchSnapshot();
  });

  it('matches what the running app answers over HTTP', async () => {
    const policyOf = async (path: string) => {
      const response = await fetch(`${running.url}${path}`);
      expect(response.status).toBe(200);
      return [response.headers.get('ratelimit-policy'), response.headers.get('ratelimit')];
    };
    expect(await policyOf('/v1/search')).toEqual(['"search";q=4;w=30', '"search";r=3;t=8']);
    // cost=2 of the same shared policy: 1 + 2 units spent.
    expect(await policyOf('/v1/search/deep')).toEqual(['"search";q=4;w=30', '"search";r=1;t=23']);
    expect(await policyOf('/v1/jobs')).toEqual(['"default";q=10;w=60', '"default";r=9;t=6']);
    for (const skipped of ['/v1/search/suggest', '/health/live']) {
      expect(await policyOf(skipped)).toEqual([null, null]);
    }
  });
});
