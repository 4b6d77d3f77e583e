import { BlockList, isIP } from 'node:net';
import { BulwarkConfigError } from './bulwark-error.js';
import { rawRequest } from './request-context.js';

/**
 * Which peers are believed when they send `X-Forwarded-For`.
 *
 * - `false`: nobody; the socket's peer address is the client.
 * - a number `n`: exactly `n` proxies sit in front of the app.
 * - a list of addresses or CIDRs: those peers are proxies.
 */
export type TrustProxy = false | number | readonly string[];

/** Named CIDR groups accepted in a trusted-proxy list, as Express names them. */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * Parses the `TRUST_PROXY` setting: `off`/`false`/empty, a hop count, or a comma-separated
 * list of addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`.
 *
 * @throws BulwarkConfigError naming `setting` when an entry is neither.
 * @example
 * ```ts
 * parseTrustProxy('1');                    // 1
 * parseTrustProxy('10.0.0.0/8,loopback');  // ['10.0.0.0/8', 'loopback']
 * ```
 */
export function parseTrustProxy(value: string | undefined, setting = 'TRUST_PROXY'): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || text === 'off' || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 32) throw new BulwarkConfigError(setting, 'a hop count must be at most 32');
    return hops;
  }
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  compileTrustList(entries, setting);
  return entries;
}

function compileTrustList(entries: readonly string[], setting: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    for (const range of NAMED_RANGES[entry] ?? [entry]) {
      const [address = '', prefixText] = range.split('/');
      const family = isIP(address);
      const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new BulwarkConfigError(
          setting,
          `"${entry}" is not an IP address, a CIDR or one of loopback, linklocal, uniquelocal`,
        );
      }
      list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
  }
  return list;
}

/** Turns `::ffff:1.2.3.4` into `1.2.3.4`, so IPv4 clients on a dual-stack socket match IPv4 rules. */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

/**
 * Resolves client addresses under one trusted-proxy setting. Build it once at start-up and
 * share it: `@bulwark/http` and `@bulwark/rate-limit` must agree on who the client is.
 */
export class ClientAddressResolver {
  private readonly hops: number;
  private readonly trusted: BlockList | undefined;

  constructor(trust: TrustProxy = false) {
    this.hops = typeof trust === 'number' ? trust : 0;
    this.trusted = Array.isArray(trust) ? compileTrustList(trust, 'trustProxy') : undefined;
  }

  /**
   * The client address of a request (Express or Fastify). `X-Forwarded-For` is read only
   * when the socket peer is a trusted proxy, and only as far back as the trust reaches.
   */
  resolve(request: unknown): string {
    const raw = rawRequest(request);
    const peer = normalizeAddress(raw.socket?.remoteAddress ?? '');
    if (this.hops === 0 && this.trusted === undefined) return peer;

    const header = raw.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map(normalizeAddress)
      .filter((address) => isIP(address) !== 0);
    // Nearest hop first: the socket peer, then X-Forwarded-For from right to left.
    const chain = [peer, ...forwarded.reverse()];

    if (this.trusted === undefined) return chain[Math.min(this.hops, chain.length - 1)] ?? peer;
    let index = 0;
    while (index < chain.length - 1 && this.isTrusted(chain[index] as string)) index += 1;
    return chain[index] ?? peer;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    if (family === 0 || this.trusted === undefined) return false;
    return this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
