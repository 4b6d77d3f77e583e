import type { Environment } from '@bulwark/core/env';
import type { ClientAddressResolver, TrustProxy } from '@bulwark/core/peer';
import type { Cluster, Redis } from 'ioredis';
import type { RateLimitStore } from './rate-limit-store.interface.js';

/** A named limit, shared by every route that names it. */
export interface RateLimitPolicy {
  /** Units per window; an integer ≥ 1. */
  limit: number;
  /** The window in seconds; an integer ≥ 1. */
  windowSeconds: number;
}

/** What happens to requests while the store (Redis) is unreachable. */
export type StoreFailureMode = 'insurance' | 'open' | 'closed';

/**
 * The per-address limiter of failed authentication (brute force). It slows down failing
 * attempts from an address; it never refuses valid credentials, nor requests without any.
 */
export interface AuthFailureOptions {
  /**
   * Failed authentication attempts (401, or 400 for a malformed `Authorization` header)
   * admitted per address per window; past them, failing attempts from that address get 429
   * instead of 401, while a valid token from it is still admitted.
   * @default the default `limit`
   */
  limit?: number;
  /**
   * @default the default `windowSeconds`
   */
  windowSeconds?: number;
  /**
   * Path prefixes never checked, such as health probes.
   * @default ['/health']
   */
  exemptPaths?: string[];
}

/** What a rate-limited request reports to {@link RateLimitModuleOptions.onLimited}. */
export interface RateLimitedInfo {
  /** The policy name, as in the `RateLimit-Policy` header; `auth-failure` for the brute-force guard. */
  policy: string;
  /**
   * `limit` (quota exhausted), `auth_failure` (a failing authentication attempt past the
   * address's failure budget) or `store_unavailable` (closed mode).
   */
  reason: 'limit' | 'auth_failure' | 'store_unavailable';
  /** `principal` or `address`. */
  keyType: 'principal' | 'address';
  /** The route template, such as `GET /v1/notes/:id`, when known. */
  route: string | undefined;
}

/**
 * Options of `RateLimitModule.forRoot()`. Every option is optional; unset ones come from the
 * environment, then from the defaults below.
 *
 * @example
 * ```ts
 * RateLimitModule.forRoot({ limit: 100, windowSeconds: 60, policies: { login: { limit: 5, windowSeconds: 300 } } });
 * ```
 */
export interface RateLimitModuleOptions {
  /**
   * The default policy's units per window, per principal (or per address when anonymous).
   * @default RATE_LIMIT_MAX, else 100
   */
  limit?: number;
  /**
   * The default policy's window in seconds.
   * @default RATE_LIMIT_WINDOW_SECONDS, else 60
   */
  windowSeconds?: number;
  /**
   * Named policies for `@RateLimit({ policy })`. The name `default` is the global default and
   * `auth-failure` the brute-force guard; both are reserved.
   * @default {}
   */
  policies?: Record<string, RateLimitPolicy>;
  /**
   * The brute-force limiter of failed authentication per address, or `false` to turn it off.
   * @default { limit, windowSeconds, exemptPaths: ['/health'] }
   */
  authFailure?: AuthFailureOptions | false;
  /**
   * Redis URL or client; when set, limits are shared by every replica through Redis.
   * @default REDIS_URL, else none (memory store)
   */
  redis?: string | Redis | Cluster;
  /**
   * A custom store instead of memory or Redis.
   * @default none
   */
  store?: RateLimitStore;
  /**
   * Prefix of the Redis keys.
   * @default 'bulwark:rl:'
   */
  keyPrefix?: string;
  /**
   * The longest wait for the Redis store per decision, in ms, before the failure mode applies
   * (checked about every tenth of it).
   * @default 500
   */
  storeTimeoutMs?: number;
  /**
   * While the store is unreachable: `insurance` limits each replica locally at
   * `limit ÷ replicas`, `open` admits everything, `closed` answers 503.
   * @default RATE_LIMIT_STORE_FAILURE, else 'insurance'
   */
  storeFailure?: StoreFailureMode;
  /**
   * How many replicas share the limit. On the built-in memory store (neither `store` nor
   * `redis`), each replica keeps its own counts, so every limit is divided by it: each replica
   * admits `limit ÷ replicas` (at least 1), and `RateLimit-Policy` says so. With a shared store
   * it divides only the insurance limit used while the store is down.
   * @default RATE_LIMIT_REPLICAS, else 1
   */
  replicas?: number;
  /**
   * Whose `X-Forwarded-For` is believed: the same setting as `@bulwark/http`.
   * @default parseTrustProxy(TRUST_PROXY), else false
   */
  trustProxy?: TrustProxy;
  /**
   * IPv6 clients are keyed by this prefix length, since one subscriber usually holds a /56.
   * @default RATE_LIMIT_IPV6_PREFIX, else 56
   */
  ipv6Prefix?: number;
  /**
   * The memory store's (and the insurance limiter's) capacity in keys.
   * @default 100000
   */
  maxKeys?: number;
  /**
   * The clock of the memory and insurance stores, in ms since the epoch. Redis uses its own.
   * @default Date.now
   */
  clock?: () => number;
  /**
   * Called for every refused request, after the `rate_limit.exceeded` security event.
   * @default none
   */
  onLimited?: (info: RateLimitedInfo) => void;
  /**
   * Where environment defaults are read from.
   * @default process.env
   */
  env?: Environment;
}

/**
 * A class that makes the options, for `RateLimitModule.forRootAsync({ useClass })` or
 * `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class RateLimitConfig implements RateLimitOptionsFactory {
 *   createRateLimitOptions() {
 *     return { policies: { search: { limit: 30, windowSeconds: 60 } } };
 *   }
 * }
 * ```
 */
export interface RateLimitOptionsFactory {
  /** Returns the options, possibly after reading configuration. */
  createRateLimitOptions(): RateLimitModuleOptions | Promise<RateLimitModuleOptions>;
}

/** A policy after validation, as {@link ResolvedRateLimitOptions} holds it. */
export interface ResolvedPolicy {
  readonly name: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly windowMs: number;
}

/**
 * {@link RateLimitModuleOptions} after validation, with the environment and the defaults
 * applied, as `@InjectRateLimitOptions()` gives them.
 */
export interface ResolvedRateLimitOptions {
  readonly policies: ReadonlyMap<string, ResolvedPolicy>;
  readonly authFailure: { policy: ResolvedPolicy; exemptPaths: readonly string[] } | undefined;
  readonly redis: string | Redis | Cluster | undefined;
  readonly store: RateLimitStore | undefined;
  readonly keyPrefix: string;
  readonly storeTimeoutMs: number;
  readonly storeFailure: StoreFailureMode;
  readonly replicas: number;
  /**
   * What every limit is divided by on this replica: `replicas` when the limits are kept in this
   * process (the built-in memory store, neither `store` nor `redis` given), so that the
   * replicas together stay within the limit; 1 with a shared store, whose limits are global.
   */
  readonly replicaShare: number;
  readonly resolver: ClientAddressResolver;
  readonly ipv6Prefix: number;
  readonly maxKeys: number;
  readonly clock: () => number;
  readonly onLimited: ((info: RateLimitedInfo) => void) | undefined;
}
