/** What an `Authorization` header holds, for the schemes this module reads. */
export type AuthorizationCredentials =
  | { readonly kind: 'missing' }
  | { readonly kind: 'other-scheme' }
  | { readonly kind: 'bearer' | 'dpop'; readonly token: string; readonly wellFormed: boolean };

/** RFC 6750 §2.1 `b64token`, which RFC 9449 §7.1 reuses for the DPoP scheme. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads `Bearer` (RFC 6750) or `DPoP` (RFC 9449 §7.1) credentials. Schemes are
 * case-insensitive (RFC 7235 §2.1); a token that is not one b64token is `wellFormed: false`.
 */
export function parseAuthorization(header: string | undefined): AuthorizationCredentials {
  if (header === undefined || header === '') return { kind: 'missing' };
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'dpop') return { kind: 'other-scheme' };
  const token = space === -1 ? '' : header.slice(space + 1).replace(/^ +/, '');
  return { kind: scheme, token, wellFormed: B64TOKEN.test(token) };
}
