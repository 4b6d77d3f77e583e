import { expectConfigError } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';
import { resolveRateLimitOptions } from './resolve-options.js';

describe('resolveRateLimitOptions', () => {
  describe('when nothing is set', () => {
    it('uses 100 per 60 s, memory, insurance, one replica, /56 and no trusted proxy', () => {
      const options = resolveRateLimitOptions({ env: {} });
      expect(options.policies.get('default')).toEqual({
        name: 'default',
        limit: 100,
        windowSeconds: 60,
        windowMs: 60_000,
      });
      expect(options.authFailure?.policy).toMatchObject({ name: 'auth-failure', limit: 100 });
      expect(options.authFailure?.exemptPaths).toEqual(['/health']);
      expect(options).toMatchObject({
        redis: undefined,
        storeFailure: 'insurance',
        replicas: 1,
        ipv6Prefix: 56,
        maxKeys: 100_000,
        keyPrefix: 'bulwark:rl:',
        storeTimeoutMs: 500,
      });
    });
  });

  describe('when the environment sets values', () => {
    it('reads RATE_LIMIT_*, REDIS_URL and TRUST_PROXY', () => {
      const options = resolveRateLimitOptions({
        env: {
          RATE_LIMIT_MAX: '5',
          RATE_LIMIT_WINDOW_SECONDS: '10',
          RATE_LIMIT_STORE_FAILURE: 'closed',
          RATE_LIMIT_REPLICAS: '3',
          RATE_LIMIT_IPV6_PREFIX: '64',
          REDIS_URL: 'redis://cache:6379',
          TRUST_PROXY: '1',
        },
      });
      expect(options.policies.get('default')).toMatchObject({ limit: 5, windowSeconds: 10 });
      expect(options).toMatchObject({
        storeFailure: 'closed',
        replicas: 3,
        ipv6Prefix: 64,
        redis: 'redis://cache:6379',
      });
      const request = {
        socket: { remoteAddress: '10.0.0.1' },
        headers: { 'x-forwarded-for': '203.0.113.5' },
      };
      expect(options.resolver.resolve(request)).toBe('203.0.113.5');
    });

    it.each([
      [{ RATE_LIMIT_MAX: '0' }, 'RATE_LIMIT_MAX: must be an integer from 1 to 1000000000'],
      // Within RATE_LIMIT_MAX's own bounds, but over what a 60 s window allows.
      [
        { RATE_LIMIT_MAX: '1000000000' },
        'RATE_LIMIT_MAX: must be an integer from 1 to 60000000 (option default policy.limit).',
      ],
      [
        { RATE_LIMIT_MAX: '2000000', RATE_LIMIT_WINDOW_SECONDS: '1' },
        'RATE_LIMIT_MAX: must be an integer from 1 to 1000000 (option default policy.limit).',
      ],
      [{ RATE_LIMIT_WINDOW_SECONDS: 'soon' }, 'RATE_LIMIT_WINDOW_SECONDS: must be an integer'],
      [
        { RATE_LIMIT_STORE_FAILURE: 'maybe' },
        'RATE_LIMIT_STORE_FAILURE: must be one of insurance, open, closed',
      ],
      [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL: must be a redis:// or rediss:// URL'],
      [{ TRUST_PROXY: 'proxy.internal' }, 'TRUST_PROXY: "proxy.internal" is not an IP address'],
    ])('rejects %o, naming the variable', (env, message) => {
      expectConfigError(() => resolveRateLimitOptions({ env }), { contains: message });
    });
  });

  describe('when RATE_LIMIT_REPLICAS is set', () => {
    it('divides every limit on the memory store: each replica keeps its own counts', () => {
      const options = resolveRateLimitOptions({
        env: { RATE_LIMIT_MAX: '100', RATE_LIMIT_REPLICAS: '10' },
        policies: { login: { limit: 5, windowSeconds: 60 } },
      });
      expect(options.replicaShare).toBe(10);
      expect(options.authFailure?.policy).toMatchObject({ name: 'auth-failure', limit: 10 });
      // The configured policies stay as given; the guard applies the share per route.
      expect(options.policies.get('default')).toMatchObject({ limit: 100 });
    });

    it.each([
      ['REDIS_URL', { env: { RATE_LIMIT_REPLICAS: '10', REDIS_URL: 'redis://cache:6379' } }],
      [
        'a custom store',
        {
          env: { RATE_LIMIT_REPLICAS: '10' },
          store: { consume: () => Promise.reject(), peek: () => Promise.reject() },
        },
      ],
    ])('keeps the limits whole with %s: a shared store counts for every replica', (_, given) => {
      const options = resolveRateLimitOptions({ ...given, limit: 100 });
      expect(options.replicaShare).toBe(1);
      expect(options.replicas).toBe(10);
      expect(options.authFailure?.policy).toMatchObject({ limit: 100 });
    });
  });

  describe('when options are wrong', () => {
    it.each([
      [{ limit: 1.5 }, 'limit: must be an integer from 1 to 1000000000'],
      [{ windowSeconds: 0 }, 'windowSeconds: must be an integer from 1 to 31622400'],
      [
        { policies: { 'bad name': { limit: 1, windowSeconds: 1 } } },
        'policies.bad name: a policy name',
      ],
      [
        { policies: { default: { limit: 1, windowSeconds: 1 } } },
        'policies.default: "default" is reserved',
      ],
      [{ policies: { login: { limit: 5 } } }, 'policies.login.windowSeconds: must be an integer'],
      [{ storeFailure: 'sometimes' }, 'storeFailure: must be one of insurance, open, closed'],
      [{ replicas: 0 }, 'replicas: must be an integer from 1 to 10000'],
      [{ ipv6Prefix: 8 }, 'ipv6Prefix: must be an integer from 16 to 128'],
      [{ redis: 'http://cache' }, 'redis: must be a redis:// or rediss:// URL'],
      [{ store: {} }, 'store: must implement consume() and peek()'],
      [{ trustProxy: ['nowhere'] }, 'trustProxy: "nowhere" is not an IP address'],
      [{ keyPrefix: 'a{b' }, 'keyPrefix: must be a string without braces or spaces'],
      [
        { authFailure: { exemptPaths: ['health'] } },
        'authFailure.exemptPaths: must be a list of paths',
      ],
    ])('rejects %o, naming the option', (options, message) => {
      expectConfigError(() => resolveRateLimitOptions({ env: {}, ...(options as object) }), {
        contains: message,
      });
    });
  });
});
