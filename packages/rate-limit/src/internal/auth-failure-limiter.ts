import {
  parseAuthorization,
  setAuthFailureRefusal,
  type takeAuthFailureRefusal,
} from '@bulwark/core/pipeline';
import { rawRequest, rawResponse } from '@bulwark/core/request';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RESOLVED_RATE_LIMIT_OPTIONS } from '../rate-limit.module-definition.js';
import { RateLimiter, type RateLimitOutcome } from '../rate-limiter.service.js';
import { addressKey } from './address-key.js';
import type { ResolvedRateLimitOptions } from './resolve-options.js';
import { refuse, setRateLimitHeaders } from './respond.js';

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
 * It runs before every guard, the authentication guard included (a team's own global guard too,
 * which may be registered before the request pipeline's), and after the CORS layer, as a request
 * hook of the HTTP server: a root `onRequest` hook on Fastify, which Fastify runs after the
 * adapter's own hooks (request hooks, CORS); a plain middleware of the Express app on Express,
 * which Express runs after `app.enableCors()`'s and the body parsers. No Nest middleware, so no
 * request goes through Nest's middleware layer or `@fastify/middie`. Its 429 is thrown by the
 * guard, so it goes through Nest's global exception filters and carries the headers of those
 * hooks.
 */
@Injectable()
export class AuthFailureLimiter {
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

  /** Marks or passes the request, then calls `next`; a promise only when the store is shared. */
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
 * Installs the limiter as a request hook of the HTTP server, never as Nest middleware. On
 * Fastify, a root `onRequest` hook: Fastify runs root hooks after those the Nest adapter added
 * when it was created (request id, security headers, access log, the shutdown 503, CORS), so the
 * address of a marked request can still preflight. On Express, a middleware of the Express app,
 * added while Nest registers middleware: after CORS and the body parsers, before every route.
 * An unexpected error goes to the adapter's error handling, which Nest routes to the global
 * exception filters.
 */
export function installAuthFailureLimiter(adapter: unknown, limiter: AuthFailureLimiter): void {
  const server = adapter as {
    getType?: () => string;
    getInstance?: () => unknown;
    use?: (handler: RequestHook) => unknown;
  };
  if (server.getType?.() === 'fastify') {
    const instance = server.getInstance?.() as {
      addHook(name: 'onRequest', hook: RequestHook): unknown;
    };
    instance.addHook('onRequest', (request, reply, done) => run(limiter, request, reply, done));
    return;
  }
  if (typeof server.use !== 'function') {
    throw new TypeError(
      'RateLimitModule: the HTTP adapter has no request hook for the failed-authentication limiter; use the Express or Fastify adapter, or set authFailure: false',
    );
  }
  const bulwarkAuthFailureLimiter: RequestHook = (request, response, next) =>
    run(limiter, request, response, next);
  server.use.call(adapter, bulwarkAuthFailureLimiter);
}

/** Runs the limiter with a `done` that is called once, a thrown error or rejection included. */
function run(
  limiter: AuthFailureLimiter,
  request: unknown,
  response: unknown,
  done: (error?: unknown) => void,
): void {
  let completed = false;
  const once = (error?: unknown) => {
    if (completed) return;
    completed = true;
    done(error);
  };
  try {
    const pending = limiter.use(request, response, once);
    // A shared store (Redis) answers asynchronously.
    if (pending instanceof Promise) pending.catch(once);
  } catch (error) {
    once(error);
  }
}

type RequestHook = (request: unknown, response: unknown, done: (error?: unknown) => void) => void;

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
  const credentials = parseAuthorization(authorization);
  return credentials.kind === 'bearer' && !credentials.wellFormed;
}
