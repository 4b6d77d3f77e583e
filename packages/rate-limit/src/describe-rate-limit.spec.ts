import { ROUTE_METADATA } from '@bulwark/core/pipeline';
import { Controller, Get, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { describeRateLimit } from './exports/inventory.js';
import { RateLimit, RateLimitError, SkipRateLimit } from './index.js';

@RateLimit({ policy: 'search' })
@Controller()
class SearchController {
  @Get()
  find() {}

  @RateLimit({ cost: 3 })
  @Get('heavy')
  heavy() {}

  @RateLimit({ limit: 2, windowSeconds: 10, name: 'export' })
  @Get('export')
  export() {}

  @SkipRateLimit()
  @Get('free')
  free() {}

  @SetMetadata(ROUTE_METADATA.skipRateLimit, true)
  @Get('probe')
  probe() {}

  @RateLimit({ policy: 'nope' })
  @Get('typo')
  typo() {}

  @RateLimit({ cost: 50 })
  @Get('greedy')
  greedy() {}
}

const reflector = new Reflector();
const options = {
  limit: 10,
  windowSeconds: 60,
  policies: { search: { limit: 20, windowSeconds: 5 } },
  env: {},
};
const describeRoute = (name: keyof SearchController) =>
  describeRateLimit(reflector, SearchController.prototype[name], SearchController, options);

describe('describeRateLimit', () => {
  it('reports a controller-level named policy', () => {
    expect(describeRoute('find')).toEqual({
      exempt: false,
      policy: 'search',
      limit: 20,
      windowSeconds: 5,
      cost: 1,
      scope: 'shared',
    });
  });

  it('lets a route declaration override its controller', () => {
    expect(describeRoute('heavy')).toMatchObject({ policy: 'default', limit: 10, cost: 3 });
    expect(describeRoute('export')).toEqual({
      exempt: false,
      policy: 'export',
      limit: 2,
      windowSeconds: 10,
      cost: 1,
      scope: 'route',
    });
  });

  it('reports exempt routes, including ones marked through the core metadata key', () => {
    expect(describeRoute('free')).toEqual({ exempt: true });
    expect(describeRoute('probe')).toEqual({ exempt: true });
  });

  it('uses the environment defaults when no options are given', () => {
    class Plain {
      route() {}
    }
    expect(describeRateLimit(reflector, Plain.prototype.route, Plain)).toMatchObject({
      policy: 'default',
      limit: Number(process.env.RATE_LIMIT_MAX ?? 100),
    });
  });

  it('names the route and the policy when a policy is unknown or a cost too high', () => {
    expect(() => describeRoute('typo')).toThrow(
      new RateLimitError(
        'RATE_LIMIT_UNKNOWN_POLICY',
        `@RateLimit() on SearchController.typo names policy "nope", which is not in RateLimitModule's policies`,
      ),
    );
    expect(() => describeRoute('greedy')).toThrow(
      '@RateLimit() on SearchController.greedy: cost 50 exceeds the limit 10 of policy "default"',
    );
  });
});

describe('@RateLimit()', () => {
  it.each([
    [{ cost: 0 }, '@RateLimit(): cost must be an integer ≥ 1'],
    [{ limit: 2.5 }, '@RateLimit(): limit must be an integer ≥ 1'],
    [{ policy: 'a', limit: 3 }, '@RateLimit(): set either policy or limit, not both'],
    [{ windowSeconds: 3 }, '@RateLimit(): windowSeconds and name apply to a route-local limit'],
    [{ limit: 2, cost: 3 }, '@RateLimit(): cost exceeds limit'],
  ])('rejects %o at declaration', (options, message) => {
    let error: unknown;
    try {
      RateLimit(options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).code).toBe('RATE_LIMIT_INVALID_ROUTE');
    expect((error as Error).message).toContain(message);
  });
});

@SkipRateLimit()
@Controller()
class FreeController {
  @Get()
  open() {}

  @RateLimit({ limit: 3, windowSeconds: 60, name: 'login' })
  @Get('login')
  login() {}
}

describe('describeRateLimit in a @SkipRateLimit() controller', () => {
  const describeFree = (name: keyof FreeController) =>
    describeRateLimit(reflector, FreeController.prototype[name], FreeController, options);

  it('exempts the routes without their own declaration', () => {
    expect(describeFree('open')).toMatchObject({ exempt: true });
  });

  it('regression: a route with its own @RateLimit() is limited, its declaration wins', () => {
    expect(describeFree('login')).toMatchObject({ exempt: false, limit: 3, windowSeconds: 60 });
  });
});
