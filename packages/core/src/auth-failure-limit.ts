import { rawRequest } from './request-context.js';

/**
 * Builds the error that answers a failed authentication attempt instead of its usual 401 (or
 * 400), once the client address has spent its budget for failures: `@bulwark/rate-limit`'s 429,
 * with its headers set and its security event published.
 */
export type AuthFailureRefusal = () => Error;

const REFUSAL = Symbol.for('bulwark.authFailureRefusal');

type Marked = Record<symbol, AuthFailureRefusal | undefined>;

/**
 * Marks a request, before authentication, as coming from an address whose budget for failed
 * authentication is spent. The request still goes to authentication: a valid credential is
 * admitted as usual, and only a failing one is answered with `refusal()` (see
 * {@link takeAuthFailureRefusal}).
 *
 * `@bulwark/rate-limit` calls it; nothing else needs to.
 */
export function setAuthFailureRefusal(request: unknown, refusal: AuthFailureRefusal): void {
  (rawRequest(request) as unknown as Marked)[REFUSAL] = refusal;
}

/**
 * For an authentication guard about to refuse credentials the request presented: the error to
 * throw instead, when the failed-authentication limiter marked the request (a 429 from
 * `@bulwark/rate-limit`), else `undefined`. The mark is used once.
 *
 * `@bulwark/auth`'s guard calls it; a guard of your own calls it the same way, so that failing
 * attempts from an address over its budget are slowed down while valid credentials from that
 * address still pass.
 *
 * @example
 * ```ts
 * if (!valid) throw takeAuthFailureRefusal(request) ?? new UnauthorizedException();
 * ```
 */
export function takeAuthFailureRefusal(request: unknown): Error | undefined {
  const marked = rawRequest(request) as unknown as Marked;
  const refusal = marked[REFUSAL];
  if (refusal === undefined) return undefined;
  marked[REFUSAL] = undefined;
  return refusal();
}
