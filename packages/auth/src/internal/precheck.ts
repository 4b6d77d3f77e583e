import { invalidToken } from '../auth.error.js';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** RFC 7515 §4.1.2/§4.1.5/§4.1.6/§4.1.11: header-carried or header-pointed keys; RFC 8725 §3.10. */
const KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

export interface PrecheckedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function decodeObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cheap structural checks before any key lookup or signature work, each with its own reason:
 * compact JWS shape, header algorithm on the allow-list, no header keys, no `crit`, accepted `typ`.
 * The payload is decoded only to route by `iss`; jose verifies it again after the signature.
 */
export function precheck(
  token: string,
  algorithms: ReadonlySet<string>,
  tokenTypes: ReadonlySet<string>,
  normalizeType: (value: string) => string,
): PrecheckedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw invalidToken('malformed_token');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  if (!SEGMENT.test(headerPart)) throw invalidToken('malformed_token');
  const header = decodeObject(headerPart);
  if (!header) throw invalidToken('malformed_token');
  // Exact, case-sensitive match: "none", "None" and "NONE" are all off the list (RFC 8725 §3.1).
  if (typeof header.alg !== 'string' || !algorithms.has(header.alg)) {
    throw invalidToken('algorithm_not_allowed');
  }
  if (KEY_HEADERS.some((name) => Object.hasOwn(header, name))) {
    throw invalidToken('header_key_not_allowed');
  }
  // RFC 7515 §4.1.11: an extension the verifier does not understand makes the JWS invalid.
  if (Object.hasOwn(header, 'crit')) throw invalidToken('crit_not_supported');
  if (typeof header.typ !== 'string' || !tokenTypes.has(normalizeType(header.typ))) {
    throw invalidToken('type_not_allowed');
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw invalidToken('malformed_token');
  }
  if (!SEGMENT.test(payloadPart) || !SEGMENT.test(signaturePart)) {
    throw invalidToken('malformed_token');
  }
  const claims = decodeObject(payloadPart);
  if (!claims) throw invalidToken('malformed_token');
  return { header, claims };
}
