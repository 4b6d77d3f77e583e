import { format, inspect } from 'node:util';
import { freePort } from '@bulwark/test-harness';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
// The runner's own rendering of a failed assertion (message and diff), as a developer sees it.
import { processError } from 'vitest/internal/browser';
import { AuthFailureLimiter } from './internal/auth-failure-limiter.js';
import { redisLabel } from './internal/redacted.js';
import { resolveRateLimitOptions } from './internal/resolve-options.js';
import { RateLimitModule } from './rate-limit.module.js';
import { RATE_LIMIT_OPTIONS, RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter } from './rate-limiter.service.js';
import { REDIS_STORE_OPTIONS, RedisRateLimitStore } from './redis.store.js';

const PASSWORD = 'redis-pass-5f9c1e';
const QUERY_PASSWORD = 'query-pass-77ab0d';

/** Everything a developer, a logger or a test runner would print for `value`. */
function renderings(value: unknown): Record<string, string> {
  return {
    inspect: inspect(value),
    inspectDeep: inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspectNested: inspect({ nested: [value] }, { depth: Number.POSITIVE_INFINITY }),
    formatO: format('%o', value),
    json: JSON.stringify(value),
    jsonNested: JSON.stringify({ nested: [value] }),
  };
}

function expectNoPassword(value: unknown): void {
  for (const [how, text] of Object.entries(renderings(value))) {
    for (const secret of [PASSWORD, QUERY_PASSWORD, encodeURIComponent(PASSWORD)]) {
      if (text.includes(secret)) throw new Error(`${how} output holds the Redis password`);
    }
  }
}

describe('redisLabel', () => {
  it.each([
    ['redis://:s3cret@cache:6379/0', 'redis://:[REDACTED]@cache:6379/0'],
    [
      'rediss://app:s3cret@cache.example.com:6380',
      'rediss://app:[REDACTED]@cache.example.com:6380',
    ],
    ['redis://cache:6379/2?password=s3cret', 'redis://cache:6379/2'],
    ['redis://app@cache', 'redis://app@cache'],
    ['redis://cache', 'redis://cache'],
  ])('shows %s as %s', (url, label) => {
    expect(redisLabel(url)).toBe(label);
  });
});

// Regression: the limiter, its store, its guard and middleware printed the Redis URL, password
// included, with console.log, util.inspect or a test runner's diff.
describe('with a Redis URL holding a password, what the module holds prints no password', () => {
  let ref: TestingModule | undefined;
  afterEach(async () => {
    await ref?.close();
    ref = undefined;
  });

  const compile = async () => {
    // Nothing listens there: the store keeps reconnecting, which changes nothing here.
    const port = await freePort();
    ref = await Test.createTestingModule({
      imports: [
        RateLimitModule.forRoot({
          redis: `redis://app:${PASSWORD}@127.0.0.1:${port}/0?password=${QUERY_PASSWORD}`,
          env: { SOME_OTHER_SECRET: PASSWORD },
        }),
      ],
    }).compile();
    return { ref, port };
  };

  it('RateLimiter, RedisRateLimitStore, AuthFailureLimiter and the option objects', async () => {
    const { ref, port } = await compile();
    const limiter = ref.get(RateLimiter);
    const store = ref.get(RedisRateLimitStore);
    expect(limiter.store).toBe(store);
    for (const value of [
      limiter,
      store,
      ref.get(AuthFailureLimiter),
      ref.get(RESOLVED_RATE_LIMIT_OPTIONS),
      ref.get(REDIS_STORE_OPTIONS),
      ref.get(RATE_LIMIT_OPTIONS),
    ]) {
      expectNoPassword(value);
    }
    expect(JSON.parse(JSON.stringify(store))).toEqual({
      type: 'RedisRateLimitStore',
      redis: `redis://app:[REDACTED]@127.0.0.1:${port}/0`,
      keyPrefix: 'bulwark:rl:',
      timeoutMs: 500,
      status: expect.any(String),
    });
    expect(JSON.parse(JSON.stringify(limiter))).toMatchObject({
      type: 'RateLimiter',
      store: { type: 'RedisRateLimitStore' },
      policies: [{ name: 'default', limit: 100, windowSeconds: 60 }],
      storeFailure: 'insurance',
    });
    expect(inspect(limiter)).toMatch(/^RateLimiter \{\n {2}type: 'RateLimiter',/);
    expect(JSON.parse(JSON.stringify(ref.get(RATE_LIMIT_OPTIONS)))).toEqual({
      type: 'RateLimitModuleOptions',
      redis: `redis://app:[REDACTED]@127.0.0.1:${port}/0`,
      env: '[environment]',
    });
  });

  it("a failing assertion's message and diff about the store hold no password", async () => {
    const { ref } = await compile();
    const store = ref.get(RedisRateLimitStore);
    let failure: unknown;
    try {
      expect(store).toEqual({ something: 'else' });
    } catch (error) {
      failure = error;
    }
    const printed = processError(failure) as { message: string; diff?: string };
    const output = `${printed.message}\n${printed.diff ?? ''}`;
    expect(output).toContain('RedisRateLimitStore');
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(QUERY_PASSWORD);
  });

  it('the resolved options keep their fields for spreading and reading', () => {
    const resolved = resolveRateLimitOptions({ redis: `redis://:${PASSWORD}@cache:6379`, env: {} });
    expect(resolved.redis).toBe(`redis://:${PASSWORD}@cache:6379`);
    expect({ ...resolved }.redis).toBe(resolved.redis);
    expect(JSON.parse(JSON.stringify(resolved))).toMatchObject({
      type: 'ResolvedRateLimitOptions',
      redis: 'redis://:[REDACTED]@cache:6379',
    });
  });
});
