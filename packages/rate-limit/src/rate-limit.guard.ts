import { getPrincipal } from '@bulwark/core';
import {
  type PipelineStage,
  type PipelineStep,
  RoutePlans,
  type RouteTarget,
} from '@bulwark/core/pipeline';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { addressKey } from './internal/address-key.js';
import type { ResolvedPolicy, ResolvedRateLimitOptions } from './internal/resolve-options.js';
import { refuse, setRateLimitHeaders } from './internal/respond.js';
import type { RouteRule } from './internal/route-rule.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter, type RateLimitOutcome } from './rate-limiter.service.js';

/**
 * Rate limiting, the step of the request pipeline `RateLimitModule` registers (after
 * authentication, before authorization, whatever the modules' import order), and a guard usable
 * with `@UseGuards(RateLimitGuard)`. It keys requests by principal when authentication found
 * one, otherwise by client address behind trusted proxies only. A route's rule (policy, cost,
 * bucket, or exempt) is decided once per route, not per request.
 */
@Injectable()
export class RateLimitGuard implements CanActivate, PipelineStep<RouteRule> {
  /** Runs after authentication, so limits are keyed by principal. */
  readonly stage: PipelineStage = 'rate-limit';
  private readonly plans = new RoutePlans((route) => this.planFor(route));

  constructor(
    private readonly limiter: RateLimiter,
    @Inject(RESOLVED_RATE_LIMIT_OPTIONS) private readonly options: ResolvedRateLimitOptions,
  ) {}

  /** The route's rule, or `undefined` when it is exempt (`@SkipRateLimit()`). */
  planFor(route: RouteTarget): RouteRule | undefined {
    return this.limiter.route(route.handler, route.controller) ?? undefined;
  }

  /** As a guard of its own (`@UseGuards(RateLimitGuard)`): the route's rule, then {@link run}. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = this.plans.get(context.getClass(), context.getHandler());
    return rule === undefined ? true : this.run(context, rule);
  }

  /**
   * Charges the request to its key. Answers synchronously on the in-process memory store (Nest
   * then awaits nothing); a shared store answers with a promise.
   */
  run(context: ExecutionContext, rule: RouteRule): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();
    const principal = getPrincipal(request);
    const identity = principal
      ? `p:${principal.id}`
      : `a:${addressKey(this.options.resolver.resolve(request), this.options.ipv6Prefix)}`;
    const key = `${rule.bucket}|${identity}`;
    const local = this.limiter.consumeLocal(key, rule.policy, rule.cost);
    if (local) return this.conclude(local, rule.policy, request, response);
    return this.limiter
      .consume(key, rule.policy, rule.cost)
      .then((outcome) => this.conclude(outcome, rule.policy, request, response));
  }

  /** Admits, or throws the 429 (or the 503 of a failed store); sets the RateLimit headers. */
  private conclude(
    outcome: RateLimitOutcome,
    policy: ResolvedPolicy,
    request: unknown,
    response: unknown,
  ): boolean {
    if (outcome.kind === 'open') return true;
    const decision = outcome.kind === 'decided' ? outcome.decision : undefined;
    if (decision) setRateLimitHeaders(response, policy, decision);
    if (decision?.allowed) return true;
    throw refuse(request, response, {
      policy,
      decision,
      reason: decision ? 'limit' : 'store_unavailable',
      clientAddress: this.options.resolver.resolve(request),
      onLimited: this.options.onLimited,
    });
  }
}
