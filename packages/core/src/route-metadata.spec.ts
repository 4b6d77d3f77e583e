import { SetMetadata } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { isRateLimitSkipped, ROUTE_METADATA } from './route-metadata.js';

// The decorators of @bulwark/rate-limit store exactly these values.
const Skip = () => SetMetadata(ROUTE_METADATA.skipRateLimit, true);
const Limit = () => SetMetadata(ROUTE_METADATA.rateLimit, { limit: 5, windowSeconds: 60 });

class Plain {
  plain(): void {}
  @Skip() skipped(): void {}
  @Limit() limited(): void {}
}

@Skip()
class SkippedController {
  inherits(): void {}
  @Limit() ownLimit(): void {}
  @SetMetadata(ROUTE_METADATA.skipRateLimit, false) ownNoSkip(): void {}
}

@Limit()
class LimitedController {
  inherits(): void {}
  @Skip() ownSkip(): void {}
}

class Both {
  @Skip() @Limit() skipAndLimit(): void {}
}

describe('isRateLimitSkipped', () => {
  it.each([
    ['a route with no declaration anywhere', Plain.prototype.plain, Plain, false],
    ["a route's own @SkipRateLimit()", Plain.prototype.skipped, Plain, true],
    ["a route's own @RateLimit()", Plain.prototype.limited, Plain, false],
    [
      'a route in a @SkipRateLimit() controller',
      SkippedController.prototype.inherits,
      SkippedController,
      true,
    ],
    [
      "a route's own @RateLimit() in a @SkipRateLimit() controller (the route wins)",
      SkippedController.prototype.ownLimit,
      SkippedController,
      false,
    ],
    [
      "a route's own skip set to false in a @SkipRateLimit() controller",
      SkippedController.prototype.ownNoSkip,
      SkippedController,
      false,
    ],
    [
      'a route in a @RateLimit() controller',
      LimitedController.prototype.inherits,
      LimitedController,
      false,
    ],
    [
      "a route's own @SkipRateLimit() in a @RateLimit() controller (the route wins)",
      LimitedController.prototype.ownSkip,
      LimitedController,
      true,
    ],
    [
      'a route with both its own @SkipRateLimit() and @RateLimit() (the skip wins)',
      Both.prototype.skipAndLimit,
      Both,
      true,
    ],
  ])('%s', (_name, handler, controller, expected) => {
    expect(isRateLimitSkipped(handler, controller)).toBe(expected);
  });
});
