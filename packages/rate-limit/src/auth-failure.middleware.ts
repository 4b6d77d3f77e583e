import { rawRequest, rawResponse } from '@bulwark/core';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { addressKey } from './internal/address-key.js';
import type { ResolvedRateLimitOptions } from './internal/resolve-options.js';
import { refuse, setRateLimitHeaders } from './internal/respond.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter } from './rate-limiter.service.js';

/**
 * The brute-force guard: every failed authentication (a 401, or a 400 `invalid_request` for a
 * malformed `Authorization` header, RFC 6750 §3.1) charges the client address's `auth-failure` quota when the
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
      if (isAuthenticationFailure(res.statusCode, rawRequest(request).headers.authorization)) {
        this.limiter.consume(key, guard.policy, 1).catch(() => undefined);
      }
    });
    next();
  }
}

/** `Bearer` followed by one b64token (RFC 6750 §2.1). */
const WELL_FORMED_BEARER = /^Bearer +[A-Za-z0-9\-._~+/]+=*$/i;

function isAuthenticationFailure(status: number, authorization: string | undefined): boolean {
  if (status === 401) return true;
  // A malformed Authorization header is refused with 400 before any token is checked, but a
  // client that sends them repeatedly is probing the authentication all the same.
  return status === 400 && authorization !== undefined && !WELL_FORMED_BEARER.test(authorization);
}
