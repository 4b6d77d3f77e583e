import { rawRequest, rawResponse } from '@bulwark/core';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { addressKey } from './internal/address-key.js';
import type { ResolvedRateLimitOptions } from './internal/resolve-options.js';
import { refuse, setRateLimitHeaders } from './internal/respond.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter } from './rate-limiter.service.js';

/**
 * The brute-force guard: every 401 charges the client address's `auth-failure` quota when the
 * response finishes, and once that quota is spent, requests from the address get 429 before
 * authentication runs (so a guessing client cannot make the service verify more tokens).
 * It runs as middleware because authentication guards run before any other guard.
 */
@Injectable()
export class AuthFailureMiddleware implements NestMiddleware {
  constructor(
    private readonly limiter: RateLimiter,
    @Inject(RESOLVED_RATE_LIMIT_OPTIONS) private readonly options: ResolvedRateLimitOptions,
  ) {}

  async use(request: unknown, response: unknown, next: (error?: unknown) => void): Promise<void> {
    const guard = this.options.authFailure;
    if (!guard) return next();
    const raw = rawRequest(request) as { originalUrl?: string; url?: string };
    const path = (raw.originalUrl ?? raw.url ?? '/').split('?')[0] as string;
    if (guard.exemptPaths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      return next();
    }
    const address = this.options.resolver.resolve(request);
    const key = `${guard.policy.name}|a:${addressKey(address, this.options.ipv6Prefix)}`;
    const outcome = await this.limiter.peek(key, guard.policy);
    if (outcome.kind === 'decided' && !outcome.decision.allowed) {
      setRateLimitHeaders(response, guard.policy, outcome.decision);
      throw refuse(request, response, {
        policy: guard.policy,
        decision: outcome.decision,
        reason: 'auth_failure',
        clientAddress: address,
        onLimited: this.options.onLimited,
      });
    }
    const res = rawResponse(response);
    res.once('finish', () => {
      if (res.statusCode === 401) {
        this.limiter.consume(key, guard.policy, 1).catch(() => undefined);
      }
    });
    next();
  }
}
