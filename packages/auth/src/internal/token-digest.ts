import { hash } from 'node:crypto';

/** The last token hashed, its SHA-256 as a `latin1` string, and its `ath` once asked for. */
let lastToken: string | undefined;
let lastCacheKey: string | undefined;
let lastAth: string | undefined;

/**
 * The verified-token cache's key of a token: its SHA-256 (of its UTF-8) as a `latin1` string
 * (node:crypto's one-shot `hash` gives no cheaper form). Remembered for the last token, and shared
 * with {@link accessTokenHashOf}: a DPoP request needs the digest twice for the same token (`ath`,
 * then the cache key), and a client sends the same token with many requests. A pure function of
 * the token, so a remembered answer is the answer.
 */
export function tokenCacheKey(token: string): string {
  if (token === lastToken && lastCacheKey !== undefined) return lastCacheKey;
  const key = hash('sha256', token, 'binary');
  lastToken = token;
  lastCacheKey = key;
  lastAth = undefined;
  return key;
}

/**
 * `base64url(SHA-256(ASCII(token)))`, a DPoP proof's `ath` (RFC 9449 §4.2), from the same digest
 * {@link tokenCacheKey} gives the cache key from: one hash per token for both.
 */
export function accessTokenHashOf(token: string): string {
  // Outside ASCII, `ath` (over the ASCII encoding) and the cache key (over the UTF-8) hash
  // different bytes; no well-formed `Authorization` header carries such a token.
  if (Buffer.byteLength(token, 'utf8') !== token.length) {
    return hash('sha256', Buffer.from(token, 'latin1'), 'base64url');
  }
  const key = tokenCacheKey(token);
  lastAth ??= Buffer.from(key, 'latin1').toString('base64url');
  return lastAth;
}

/**
 * Whether two strings are equal, in time that depends on their length only (not on where they
 * differ), without copying either into a buffer.
 */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}
