import { isIP } from 'node:net';

/** How a JWKS or discovery URL must look, from the options. */
export interface KeyUrlPolicy {
  /** Production rules: https only, unless loopback or `allowHttpKeys`. */
  production: boolean;
  /** `allowHttpKeys` (`AUTH_ALLOW_HTTP_JWKS=true`). */
  allowHttpKeys: boolean;
}

/**
 * Whether the host is a loopback address: 127.0.0.0/8, ::1 (also as an IPv4-mapped address) or
 * the name `localhost`, which RFC 6761 §6.3 reserves for loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    if (host === '::1') return true;
    // The WHATWG URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  }
  return false;
}

/**
 * Why a key URL is refused, or `undefined` when it is allowed. Loopback http is always allowed:
 * nothing leaves the host. Other http URLs are allowed outside production, or with
 * `allowHttpKeys`. `variable` names the environment variable that holds the URL, if any.
 */
export function keyUrlProblem(
  url: URL,
  policy: KeyUrlPolicy,
  variable?: string,
): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `must be an http(s) URL, not ${url.protocol}`;
  if (!policy.production || policy.allowHttpKeys || isLoopbackHost(url.hostname)) {
    return undefined;
  }
  return (
    `must use https in production (got ${url.href}), so keys cannot be swapped in transit. ` +
    `Use an https URL${variable ? ` in ${variable}` : ''}, or set AUTH_ALLOW_HTTP_JWKS=true ` +
    '(option allowHttpKeys) when a service mesh encrypts the hop.'
  );
}
