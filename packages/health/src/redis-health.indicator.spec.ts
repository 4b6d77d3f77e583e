import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RedisHealthIndicator } from './redis-health.indicator.js';

const PASSWORD = 'health-redis-pass-3e7a';

/** Everything a developer, a logger or a test runner would print for `value`. */
function renderings(value: unknown): string[] {
  return [
    inspect(value),
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspect({ nested: [value] }, { depth: Number.POSITIVE_INFINITY }),
    format('%o', value),
    JSON.stringify(value),
    JSON.stringify({ nested: [value] }),
  ];
}

// Regression: the indicator printed its options and parsed target, the Redis password included.
describe('RedisHealthIndicator prints and serializes without the password', () => {
  it.each([
    [`redis://:${PASSWORD}@cache:6379/0`, 'redis://:[REDACTED]@cache:6379'],
    [
      `rediss://app:${PASSWORD}@cache.example.com`,
      'rediss://app:[REDACTED]@cache.example.com:6379',
    ],
    [
      `redis://app:${encodeURIComponent(`${PASSWORD}/+`)}@[::1]:6380`,
      'redis://app:[REDACTED]@[::1]:6380',
    ],
    ['redis://cache', 'redis://cache:6379'],
  ])('%s', (url, shown) => {
    const indicator = new RedisHealthIndicator({ url });
    for (const text of renderings(indicator)) expect(text).not.toContain(PASSWORD);
    expect(JSON.parse(JSON.stringify(indicator))).toEqual({
      type: 'RedisHealthIndicator',
      redis: shown,
    });
    expect(inspect(indicator)).toMatch(/^RedisHealthIndicator \{/);
    expect(inspect(indicator)).toContain(`redis: '${shown}'`);
  });

  it('with a client, shows that a client is used', () => {
    const client = { ping: async () => 'PONG', options: { password: PASSWORD } };
    const indicator = new RedisHealthIndicator({ client });
    for (const text of renderings(indicator)) expect(text).not.toContain(PASSWORD);
    expect(indicator.toJSON()).toEqual({ type: 'RedisHealthIndicator', redis: 'a client' });
  });
});
