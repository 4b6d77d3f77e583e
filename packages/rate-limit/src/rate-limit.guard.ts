import { getPrincipal } from '@bulwark/core';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { addressKey } from './internal/address-key.js';
import type { ResolvedPolicy, ResolvedRateLimitOptions } from './internal/resolve-options.js';
import { refuse, setRateLimitHeaders } from './internal/respond.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter, type RateLimitOutcome } from './rate-limiter.service.js';

/**
 * The global guard `RateLimitModule` installs. It keys requests by principal when
 * `@bulwark/auth` has authenticated the caller (import `AuthModule` before `RateLimitModule`,
 * so its guard runs first), otherwise by client address behind trusted proxies only.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    @Inject(RESOLVED_RATE_LIMIT_OPTIONS) private readonly options: ResolvedRateLimitOptions,
  ) {}

  /**
   * Answers synchronously on the in-process memory store (Nest then awaits nothing); a shared
   * store answers with a promise.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = this.limiter.route(context.getHandler(), context.getClass());
    if (rule === null) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();
    const principal = getPrincipal(request);
    const address = this.options.resolver.resolve(request);
    const identity = principal
      ? `p:${principal.id}`
      : `a:${addressKey(address, this.options.ipv6Prefix)}`;
    const key = `${rule.bucket}|${identity}`;
    const local = this.limiter.consumeLocal(key, rule.policy, rule.cost);
    if (local) return this.conclude(local, rule.policy, request, response, address);
    return this.limiter
      .consume(key, rule.policy, rule.cost)
      .then((outcome) => this.conclude(outcome, rule.policy, request, response, address));
  }

  /** Admits, or throws the 429 (or the 503 of a failed store); sets the RateLimit headers. */
  private conclude(
    outcome: RateLimitOutcome,
    policy: ResolvedPolicy,
    request: unknown,
    response: unknown,
    address: string,
  ): boolean {
    if (outcome.kind === 'open') return true;
    const decision = outcome.kind === 'decided' ? outcome.decision : undefined;
    if (decision) setRateLimitHeaders(response, policy, decision);
    if (decision?.allowed) return true;
    throw refuse(request, response, {
      policy,
      decision,
      reason: decision ? 'limit' : 'store_unavailable',
      clientAddress: address,
      onLimited: this.options.onLimited,
    });
  }
}
