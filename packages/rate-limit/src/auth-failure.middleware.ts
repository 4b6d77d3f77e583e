import { rawRequest, rawResponse } from '@bulwark/core';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { addressKey } from './internal/address-key.js';
import type { ResolvedRateLimitOptions } from './internal/resolve-options.js';
import { refuse, setRateLimitHeaders } from './internal/respond.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter, type RateLimitOutcome } from './rate-limiter.service.js';

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

  use(request: unknown, response: unknown, next: (error?: unknown) => void): void | Promise<void> {
    const guard = this.options.authFailure;
    if (!guard) return next();
    const raw = rawRequest(request) as { originalUrl?: string; url?: string };
    const target = raw.originalUrl ?? raw.url ?? '/';
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    if (isExempt(path, guard.exemptPaths)) return next();
    const address = this.options.resolver.resolve(request);
    const key = `${guard.policy.name}|a:${addressKey(address, this.options.ipv6Prefix)}`;
    // The in-process store answers at once; a shared store (Redis) is asked on every request,
    // so failures counted by another instance refuse here too.
    const local = this.limiter.peekLocal(key, guard.policy);
    if (local) return this.proceed(request, response, next, guard, address, key, local);
    return this.limiter
      .peek(key, guard.policy)
      .then((outcome) => this.proceed(request, response, next, guard, address, key, outcome));
  }

  private proceed(
    request: unknown,
    response: unknown,
    next: (error?: unknown) => void,
    guard: NonNullable<ResolvedRateLimitOptions['authFailure']>,
    address: string,
    key: string,
    outcome: RateLimitOutcome,
  ): void {
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

function isExempt(path: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) {
    if (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) {
      return true;
    }
  }
  return false;
}

/** `Bearer` followed by one b64token (RFC 6750 §2.1). */
const WELL_FORMED_BEARER = /^Bearer +[A-Za-z0-9\-._~+/]+=*$/i;

function isAuthenticationFailure(status: number, authorization: string | undefined): boolean {
  if (status === 401) return true;
  // A malformed Authorization header is refused with 400 before any token is checked, but a
  // client that sends them repeatedly is probing the authentication all the same.
  return status === 400 && authorization !== undefined && !WELL_FORMED_BEARER.test(authorization);
}
