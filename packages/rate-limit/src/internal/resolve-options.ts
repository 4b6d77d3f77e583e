import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envInt, envString } from '@bulwark/core/env';
import { ClientAddressResolver, parseTrustProxy } from '@bulwark/core/peer';
import type {
  RateLimitModuleOptions,
  ResolvedPolicy,
  ResolvedRateLimitOptions,
  StoreFailureMode,
} from '../rate-limit-options.interface.js';
import type { RateLimitStore } from '../rate-limit-store.interface.js';
import { redactObject, redisLabel } from './redacted.js';

export type { ResolvedPolicy, ResolvedRateLimitOptions } from '../rate-limit-options.interface.js';

export const DEFAULT_POLICY = 'default';
export const AUTH_FAILURE_POLICY = 'auth-failure';
const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const MAX_WINDOW_SECONDS = 366 * 24 * 3600;
const FAILURE_MODES: readonly StoreFailureMode[] = ['insurance', 'open', 'closed'];

/** Checks an integer option; `setting` names it in the message. */
export function integer(setting: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BulwarkConfigError(setting, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Checks a policy's numbers; `setting` names the option in the message. */
export function policyOf(
  setting: string,
  name: string,
  limit: unknown,
  windowSeconds: unknown,
): ResolvedPolicy {
  const window = integer(`${setting}.windowSeconds`, windowSeconds, 1, MAX_WINDOW_SECONDS);
  // GCRA needs at least one microsecond between units.
  const checked = integer(`${setting}.limit`, limit, 1, Math.min(window * 1_000_000, 1e9));
  return { name, limit: checked, windowSeconds: window, windowMs: window * 1000 };
}

/** One replica's share of a policy: `limit ÷ share`, rounded down, at least 1. */
export function shareOf(policy: ResolvedPolicy, share: number): ResolvedPolicy {
  if (share === 1) return policy;
  return { ...policy, limit: Math.max(1, Math.floor(policy.limit / share)) };
}

/** The default policy: `limit`/`windowSeconds`, or `RATE_LIMIT_MAX`/`RATE_LIMIT_WINDOW_SECONDS`. */
function resolveDefaultPolicy(options: RateLimitModuleOptions, env: Environment): ResolvedPolicy {
  const limit =
    options.limit === undefined
      ? envInt('RATE_LIMIT_MAX', 100, { min: 1, max: 1e9, env })
      : integer('limit', options.limit, 1, 1e9);
  const windowSeconds =
    options.windowSeconds === undefined
      ? envInt('RATE_LIMIT_WINDOW_SECONDS', 60, { min: 1, max: MAX_WINDOW_SECONDS, env })
      : integer('windowSeconds', options.windowSeconds, 1, MAX_WINDOW_SECONDS);
  return BulwarkConfigError.namingVariables(
    {
      'default policy.limit': options.limit === undefined ? 'RATE_LIMIT_MAX' : undefined,
      'default policy.windowSeconds':
        options.windowSeconds === undefined ? 'RATE_LIMIT_WINDOW_SECONDS' : undefined,
    },
    () => policyOf('default policy', DEFAULT_POLICY, limit, windowSeconds),
  );
}

/** The default policy and every named one, by name. */
function resolvePolicies(
  named: RateLimitModuleOptions['policies'],
  base: ResolvedPolicy,
): Map<string, ResolvedPolicy> {
  const policies = new Map<string, ResolvedPolicy>([[DEFAULT_POLICY, base]]);
  for (const [name, policy] of Object.entries(named ?? {})) {
    const setting = `policies.${name}`;
    if (!POLICY_NAME.test(name)) {
      throw new BulwarkConfigError(
        setting,
        'a policy name is 1 to 64 letters, digits, "_", ".", ":" or "-"',
      );
    }
    if (name === DEFAULT_POLICY || name === AUTH_FAILURE_POLICY) {
      throw new BulwarkConfigError(
        setting,
        `"${name}" is reserved; set limit/windowSeconds or authFailure instead`,
      );
    }
    policies.set(name, policyOf(setting, name, policy?.limit, policy?.windowSeconds));
  }
  return policies;
}

/** The failed-authentication budget (the default policy's numbers unless given), or none. */
function resolveAuthFailure(
  option: RateLimitModuleOptions['authFailure'],
  base: ResolvedPolicy,
): ResolvedRateLimitOptions['authFailure'] {
  if (option === false) return undefined;
  const given = option ?? {};
  const exemptPaths = given.exemptPaths ?? ['/health'];
  if (
    !Array.isArray(exemptPaths) ||
    exemptPaths.some((p) => typeof p !== 'string' || !p.startsWith('/'))
  ) {
    throw new BulwarkConfigError(
      'authFailure.exemptPaths',
      'must be a list of paths starting with "/"',
    );
  }
  return {
    policy: policyOf(
      'authFailure',
      AUTH_FAILURE_POLICY,
      given.limit ?? base.limit,
      given.windowSeconds ?? base.windowSeconds,
    ),
    exemptPaths: exemptPaths.map((p) => p.replace(/\/+$/, '')).filter(Boolean),
  };
}

/** Where the counters live (`store`, `redis`/`REDIS_URL` or memory) and what an outage does. */
function resolveStorage(options: RateLimitModuleOptions, env: Environment) {
  const storeFailure =
    options.storeFailure ?? envString('RATE_LIMIT_STORE_FAILURE', { env, default: 'insurance' });
  if (!FAILURE_MODES.includes(storeFailure as StoreFailureMode)) {
    const setting =
      options.storeFailure === undefined ? 'RATE_LIMIT_STORE_FAILURE' : 'storeFailure';
    throw new BulwarkConfigError(setting, 'must be one of insurance, open, closed');
  }
  const redis = options.redis ?? envString('REDIS_URL', { env });
  if (typeof redis === 'string' && !/^rediss?:\/\//.test(redis)) {
    const setting = options.redis === undefined ? 'REDIS_URL' : 'redis';
    throw new BulwarkConfigError(setting, 'must be a redis:// or rediss:// URL');
  }
  if (options.store !== undefined) {
    const store = options.store as Partial<RateLimitStore> | null;
    if (typeof store?.consume !== 'function' || typeof store.peek !== 'function') {
      throw new BulwarkConfigError('store', 'must implement consume() and peek() (RateLimitStore)');
    }
    if (options.redis !== undefined) {
      throw new BulwarkConfigError('store', 'set either store or redis, not both');
    }
  }
  return { storeFailure: storeFailure as StoreFailureMode, redis };
}

/** Checks the callbacks and the key prefix, which need no default from the environment. */
function checkHooks(options: RateLimitModuleOptions): string {
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new BulwarkConfigError('clock', 'must be a function returning milliseconds');
  }
  if (options.onLimited !== undefined && typeof options.onLimited !== 'function') {
    throw new BulwarkConfigError('onLimited', 'must be a function');
  }
  const keyPrefix = options.keyPrefix ?? 'bulwark:rl:';
  if (typeof keyPrefix !== 'string' || /[{}\s]/.test(keyPrefix)) {
    throw new BulwarkConfigError('keyPrefix', 'must be a string without braces or spaces');
  }
  return keyPrefix;
}

/** An optional integer option with its default. */
function integerOr(setting: string, value: unknown, fallback: number, min: number, max: number) {
  return value === undefined ? fallback : integer(setting, value, min, max);
}

/**
 * Applies environment defaults and validates every option, throwing `BulwarkConfigError`
 * naming the option or variable at fault.
 */
export function resolveRateLimitOptions(
  options: RateLimitModuleOptions = {},
): ResolvedRateLimitOptions {
  if (options === null || typeof options !== 'object') {
    throw new BulwarkConfigError('RateLimitModule options', 'must be an object');
  }
  const env: Environment = options.env ?? process.env;
  const base = resolveDefaultPolicy(options, env);
  const policies = resolvePolicies(options.policies, base);
  const authFailure = resolveAuthFailure(options.authFailure, base);
  const { storeFailure, redis } = resolveStorage(options, env);
  const keyPrefix = checkHooks(options);
  const replicas =
    options.replicas === undefined
      ? envInt('RATE_LIMIT_REPLICAS', 1, { min: 1, max: 10_000, env })
      : integer('replicas', options.replicas, 1, 10_000);
  const replicaShare = options.store === undefined && redis === undefined ? replicas : 1;

  const resolved: ResolvedRateLimitOptions = {
    policies,
    authFailure: authFailure && {
      ...authFailure,
      policy: shareOf(authFailure.policy, replicaShare),
    },
    redis,
    store: options.store,
    keyPrefix,
    storeTimeoutMs: integerOr('storeTimeoutMs', options.storeTimeoutMs, 500, 1, 60_000),
    storeFailure,
    replicas,
    replicaShare,
    resolver: new ClientAddressResolver(
      options.trustProxy === undefined ? parseTrustProxy(env.TRUST_PROXY) : options.trustProxy,
    ),
    ipv6Prefix:
      options.ipv6Prefix === undefined
        ? envInt('RATE_LIMIT_IPV6_PREFIX', 56, { min: 16, max: 128, env })
        : integer('ipv6Prefix', options.ipv6Prefix, 16, 128),
    maxKeys: integerOr('maxKeys', options.maxKeys, 100_000, 1, 16_777_216),
    clock: options.clock ?? Date.now,
    onLimited: options.onLimited,
  };
  // The Redis URL usually carries the password: whatever holds these options (the limiter,
  // the guard, the middleware) must not print it.
  return redactObject(resolved, 'ResolvedRateLimitOptions', () => ({
    policies: [...resolved.policies.values()],
    authFailure: resolved.authFailure,
    redis: redisLabel(resolved.redis),
    store: resolved.store?.constructor.name,
    keyPrefix: resolved.keyPrefix,
    storeTimeoutMs: resolved.storeTimeoutMs,
    storeFailure: resolved.storeFailure,
    replicas: resolved.replicas,
    replicaShare: resolved.replicaShare,
    ipv6Prefix: resolved.ipv6Prefix,
    maxKeys: resolved.maxKeys,
  }));
}
