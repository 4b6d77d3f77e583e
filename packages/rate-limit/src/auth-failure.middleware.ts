import {
  parseBearer,
  rawRequest,
  rawResponse,
  setAuthFailureRefusal,
  type takeAuthFailureRefusal,
} from '@bulwark/core';
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { addressKey } from './internal/address-key.js';
import type { ResolvedRateLimitOptions } from './internal/resolve-options.js';
import { refuse, setRateLimitHeaders } from './internal/respond.js';
import { RESOLVED_RATE_LIMIT_OPTIONS } from './rate-limit.module-definition.js';
import { RateLimiter, type RateLimitOutcome } from './rate-limiter.service.js';

type AuthFailureGuard = NonNullable<ResolvedRateLimitOptions['authFailure']>;

/**
 * The brute-force limiter. It slows down failing authentication attempts from a client
 * address without locking out the other callers at that address:
 *
 * - every failed attempt (a 401, or a 400 `invalid_request` for a malformed `Authorization`
 *   header, RFC 6750 §3.1) charges the address's `auth-failure` quota when the response finishes;
 * - once that quota is spent, requests from the address that present credentials are marked
 *   before authentication ({@link setAuthFailureRefusal}). Authentication still runs: a valid
 *   token is admitted and limited only by its principal's own budget, while a failing one is
 *   answered 429 instead of 401 by the authentication guard ({@link takeAuthFailureRefusal});
 * - a request without an `Authorization` header is not an attempt: it is neither counted nor
 *   refused, so a client can always get the 401 challenge that tells it to authenticate.
 *
 * It runs before every guard, the authentication guard included, and after the CORS layer. On
 * Fastify, `RateLimitModule` runs it as a root `onRequest` hook, which Fastify runs after the
 * adapter's own hooks (request hooks, CORS); on Express, as Nest middleware, which Express runs
 * after `app.enableCors()`'s. Its 429 is thrown by the guard, so it goes through Nest's global
 * exception filters and carries the headers of those hooks.
 */
@Injectable()
export class AuthFailureMiddleware implements NestMiddleware {
  private readonly logger = new Logger('RateLimit');
  private warnedUnmarked = false;

  constructor(
    private readonly limiter: RateLimiter,
    @Inject(RESOLVED_RATE_LIMIT_OPTIONS) private readonly options: ResolvedRateLimitOptions,
  ) {}

  /** Whether the limiter is on (`authFailure` is not `false`). */
  get enabled(): boolean {
    return this.options.authFailure !== undefined;
  }

  use(request: unknown, response: unknown, next: (error?: unknown) => void): void | Promise<void> {
    const guard = this.options.authFailure;
    if (!guard) return next();
    const raw = rawRequest(request);
    const authorization = raw.headers.authorization;
    // No credentials, no attempt: the 401 challenge is what the client needs to authenticate.
    if (authorization === undefined || authorization === '') return next();
    const target = (raw as { originalUrl?: string }).originalUrl ?? raw.url ?? '/';
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    if (isExempt(path, guard.exemptPaths)) return next();
    const address = this.options.resolver.resolve(request);
    const key = `${guard.policy.name}|a:${addressKey(address, this.options.ipv6Prefix)}`;
    // The in-process store answers at once; a shared store (Redis) is asked on every attempt,
    // so failures counted by another instance count here too.
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
    guard: AuthFailureGuard,
    address: string,
    key: string,
    outcome: RateLimitOutcome,
  ): void {
    const spent = outcome.kind === 'decided' && !outcome.decision.allowed;
    let refused = false;
    if (outcome.kind === 'decided' && spent) {
      const decision = outcome.decision;
      // Decided after authentication: only the guard knows whether the credentials are valid.
      setAuthFailureRefusal(request, () => {
        refused = true;
        setRateLimitHeaders(response, guard.policy, decision);
        return refuse(request, response, {
          policy: guard.policy,
          decision,
          reason: 'auth_failure',
          clientAddress: address,
          onLimited: this.options.onLimited,
        });
      });
    }
    const res = rawResponse(response);
    res.once('finish', () => {
      if (!isAuthenticationFailure(res.statusCode, rawRequest(request).headers.authorization)) {
        return;
      }
      if (spent && !refused) this.warnUnmarked(res.statusCode);
      this.limiter.consume(key, guard.policy, 1).catch(() => undefined);
    });
    next();
  }

  private warnUnmarked(status: number): void {
    if (this.warnedUnmarked) return;
    this.warnedUnmarked = true;
    this.logger.warn(
      `a failed authentication attempt from an address over its "auth-failure" budget was answered ${status}, not 429: the authentication guard does not throw takeAuthFailureRefusal(request) from @bulwark/core, so failing attempts are counted but not slowed down`,
    );
  }
}

/**
 * Runs the limiter as a root `onRequest` hook when the adapter is Fastify, which spares every
 * request `@fastify/middie`'s dispatch (about a sixth of the full stack's CPU per request).
 * Fastify runs root hooks after those the Nest adapter added when it was created: the request
 * hooks (request id, security headers, access log), the shutdown 503 and CORS, so the address of
 * a marked request can still preflight. An unexpected error goes to `done(error)`, which Fastify
 * hands to the error handler Nest installs (the global exception filters). Returns `false` on
 * another adapter, which then runs the limiter as middleware.
 */
export function installAuthFailureHook(adapter: unknown, guard: AuthFailureMiddleware): boolean {
  const fastify = adapter as { getType?: () => string; getInstance?: () => unknown } | undefined;
  if (fastify?.getType?.() !== 'fastify') return false;
  const instance = fastify.getInstance?.() as
    | { addHook?: (name: 'onRequest', hook: FastifyHook) => unknown }
    | undefined;
  if (typeof instance?.addHook !== 'function') return false;
  instance.addHook('onRequest', (request, reply, done) => {
    let completed = false;
    const once = (error?: unknown) => {
      if (completed) return;
      completed = true;
      done(error as Error | undefined);
    };
    try {
      const pending = guard.use(request, reply, once);
      // A shared store (Redis) answers asynchronously.
      if (pending instanceof Promise) pending.catch(once);
    } catch (error) {
      once(error);
    }
  });
  return true;
}

type FastifyHook = (request: unknown, reply: unknown, done: (error?: Error) => void) => void;

function isExempt(path: string, prefixes: readonly string[]): boolean {
  for (const prefix of prefixes) {
    if (path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/')) {
      return true;
    }
  }
  return false;
}

function isAuthenticationFailure(status: number, authorization: string | undefined): boolean {
  if (status === 401) return true;
  // A malformed Authorization header is refused with 400 before any token is checked, but a
  // client that sends them repeatedly is probing the authentication all the same.
  if (status !== 400) return false;
  const credentials = parseBearer(authorization);
  return credentials.kind === 'bearer' && !credentials.wellFormed;
}
