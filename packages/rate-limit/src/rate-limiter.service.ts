import { type InspectOptions, inspect } from 'node:util';
import { isRateLimitSkipped } from '@bulwark/core/pipeline';
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { inspectAs } from './internal/redacted.js';
import {
  type ResolvedPolicy,
  type ResolvedRateLimitOptions,
  shareOf,
} from './internal/resolve-options.js';
import { type RouteRule, routeRule } from './internal/route-rule.js';
import { MemoryRateLimitStore } from './memory.store.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import type { RateLimitDecision, RateLimitStore } from './rate-limit-store.interface.js';
import { RedisRateLimitStore } from './redis.store.js';

/**
 * What the limiter answers: a `decision` from the store (or the insurance limiter), or,
 * while the store is down, `open` (admit) or `closed` (refuse with 503).
 */
export type RateLimitOutcome =
  | { readonly kind: 'decided'; readonly decision: RateLimitDecision; readonly degraded: boolean }
  | { readonly kind: 'open' }
  | { readonly kind: 'closed' };

/**
 * Makes rate-limit decisions against the configured store and applies the failure mode when
 * the store is unreachable: a store error never reaches a request.
 *
 * @example
 * ```ts
 * const outcome = await limiter.consume('login|a:203.0.113.9', limiter.policy('login'), 1);
 * ```
 */
@Injectable()
export class RateLimiter implements OnModuleInit {
  /** The store decisions go to first. */
  readonly store: RateLimitStore;
  private readonly insurance: MemoryRateLimitStore | undefined;
  private readonly rules = new WeakMap<object, RouteRule | null>();
  private readonly policies: ReadonlyMap<string, ResolvedPolicy>;
  private readonly logger = new Logger('RateLimit');
  private failing = false;

  constructor(
    @Inject(RESOLVED_RATE_LIMIT_OPTIONS) private readonly options: ResolvedRateLimitOptions,
    private readonly reflector: Reflector,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Optional() redis?: RedisRateLimitStore,
  ) {
    const memory = () =>
      new MemoryRateLimitStore({ maxKeys: options.maxKeys, clock: options.clock });
    this.store = options.store ?? (options.redis && redis ? redis : memory());
    this.insurance =
      this.store instanceof MemoryRateLimitStore || options.storeFailure !== 'insurance'
        ? undefined
        : memory();
    this.policies = new Map(
      [...options.policies].map(([name, policy]) => [name, shareOf(policy, options.replicaShare)]),
    );
  }

  /**
   * Prints as a summary (`console.log`, `util.inspect`, a test runner's diff): the store, the
   * policies and the failure mode, never the Redis URL's password or the Nest internals held.
   */
  [inspect.custom](_depth: number, options: InspectOptions, format?: typeof inspect): string {
    return inspectAs('RateLimiter', this.toJSON(), options, format);
  }

  /** Serializes (`JSON.stringify`, a logger) as the same summary. */
  toJSON(): Record<string, unknown> {
    const store = this.store as RateLimitStore & { toJSON?: () => unknown };
    return {
      type: 'RateLimiter',
      store: typeof store.toJSON === 'function' ? store.toJSON() : store.constructor.name,
      policies: [...this.policies.values()],
      storeFailure: this.options.storeFailure,
    };
  }

  /** Checks every route's `@RateLimit()` at start-up, so a typo fails the boot, not a request. */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller?.prototype) continue;
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        this.route(controller.prototype[name], controller);
      }
    }
  }

  /**
   * A named policy, `default` included, as this replica applies it: with limits kept per
   * replica (the memory store and `RATE_LIMIT_REPLICAS` above 1), its share of the limit.
   */
  policy(name: string): ResolvedPolicy | undefined {
    return this.policies.get(name);
  }

  /** The effective rule of a route, or `null` when it is exempt. Cached per handler. */
  // biome-ignore lint/complexity/noBannedTypes: Nest hands handlers and classes as Function.
  route(handler: Function, controller: Function): RouteRule | null {
    let rule = this.rules.get(handler);
    if (rule === undefined) {
      rule = isRateLimitSkipped(handler, controller)
        ? null
        : routeRule(
            this.reflector,
            handler,
            controller,
            this.options.policies,
            this.options.replicaShare,
          );
      this.rules.set(handler, rule);
    }
    return rule;
  }

  /** Charges `cost` units of `policy` to `key`. */
  consume(key: string, policy: ResolvedPolicy, cost: number): Promise<RateLimitOutcome> {
    return this.decide(key, policy, cost);
  }

  /** Whether one more unit of `policy` fits for `key`, charging nothing. */
  peek(key: string, policy: ResolvedPolicy): Promise<RateLimitOutcome> {
    return this.decide(key, policy, 0);
  }

  /**
   * {@link peek} answered synchronously when the store is in-process (the memory store, which
   * never fails); `undefined` when the store is shared and must be asked asynchronously.
   */
  peekLocal(key: string, policy: ResolvedPolicy): RateLimitOutcome | undefined {
    return this.decideLocal(key, policy, 0);
  }

  /**
   * {@link consume} answered synchronously when the store is in-process (the memory store);
   * `undefined`, charging nothing, when the store is shared and must be asked asynchronously.
   */
  consumeLocal(key: string, policy: ResolvedPolicy, cost: number): RateLimitOutcome | undefined {
    return this.decideLocal(key, policy, cost);
  }

  private decideLocal(
    key: string,
    policy: ResolvedPolicy,
    cost: number,
  ): RateLimitOutcome | undefined {
    if (!(this.store instanceof MemoryRateLimitStore)) return undefined;
    const rule = { limit: policy.limit, windowMs: policy.windowMs };
    const decision = cost === 0 ? this.store.peek(key, rule) : this.store.consume(key, rule, cost);
    return { kind: 'decided', decision, degraded: false };
  }

  private async decide(
    key: string,
    policy: ResolvedPolicy,
    cost: number,
  ): Promise<RateLimitOutcome> {
    const rule = { limit: policy.limit, windowMs: policy.windowMs };
    if (this.store.available?.() !== false) {
      try {
        const decision = await (cost === 0
          ? this.store.peek(key, rule)
          : this.store.consume(key, rule, cost));
        this.failing = false;
        return { kind: 'decided', decision, degraded: false };
      } catch (error) {
        if (!this.failing) {
          this.logger.warn(
            `rate-limit store failed (${error instanceof Error ? error.message : 'unknown error'}); the "${this.options.storeFailure}" failure mode applies`,
          );
        }
        this.failing = true;
      }
    }
    const mode = this.options.storeFailure;
    switch (mode) {
      case 'insurance': {
        const local = this.insurance as MemoryRateLimitStore;
        const limit = Math.max(1, Math.floor(policy.limit / this.options.replicas));
        const localRule = { limit, windowMs: policy.windowMs };
        const decision =
          cost === 0
            ? local.peek(key, localRule)
            : local.consume(key, localRule, Math.min(cost, limit));
        return { kind: 'decided', decision, degraded: true };
      }
      case 'open':
        return { kind: 'open' };
      case 'closed':
        return { kind: 'closed' };
      default: {
        const unreachable: never = mode;
        throw new Error(`unknown failure mode ${String(unreachable)}`);
      }
    }
  }
}
