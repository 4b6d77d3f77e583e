/** What an `Authorization` header holds, as RFC 6750 reads it. */
export type BearerCredentials =
  | { readonly kind: 'missing' }
  | { readonly kind: 'other-scheme' }
  | { readonly kind: 'bearer'; readonly token: string; readonly wellFormed: boolean };

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads bearer credentials from an `Authorization` header. The scheme is case-insensitive
 * (RFC 7235 §2.1); a bearer token that is not one b64token is `wellFormed: false`, which
 * RFC 6750 §3.1 answers with 400 `invalid_request`. Shared by `@bulwark/auth`, which refuses
 * such headers, and `@bulwark/rate-limit`, which counts them as failed authentication.
 *
 * @example
 * ```ts
 * parseBearer('Bearer eyJ...'); // { kind: 'bearer', token: 'eyJ...', wellFormed: true }
 * parseBearer('Bearer a b');    // { kind: 'bearer', token: 'a b', wellFormed: false }
 * ```
 */
export function parseBearer(header: string | undefined): BearerCredentials {
  if (header === undefined || header === '') return { kind: 'missing' };
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'other-scheme' };
  const token = space === -1 ? '' : header.slice(space + 1).replace(/^ +/, '');
  return { kind: 'bearer', token, wellFormed: B64TOKEN.test(token) };
}
