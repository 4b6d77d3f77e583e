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
 * What {@link ClientAddressResolver.resolve} answers when the nearest untrusted hop is an
 * `X-Forwarded-For` entry that is not an address: `unknown` (RFC 7239 §6.1), a name, or garbage.
 */
export const UNKNOWN_CLIENT_ADDRESS = 'unknown';

const BRACKETED = /^\[([^\]]+)\](?::(\d{1,5}))?$/;
const IPV4_WITH_PORT = /^([\d.]+):(\d{1,5})$/;

/**
 * One `X-Forwarded-For` entry as an address, port stripped (`203.0.113.5:4711`,
 * `[2001:db8::1]:443`, `[2001:db8::1]`); `undefined` when it is not one.
 */
function forwardedAddress(entry: string): string | undefined {
  if (isIP(entry) !== 0) return normalizeAddress(entry);
  const bracketed = BRACKETED.exec(entry);
  if (bracketed) {
    const [, address = '', port] = bracketed;
    return isIP(address) === 6 && validPort(port) ? normalizeAddress(address) : undefined;
  }
  const withPort = IPV4_WITH_PORT.exec(entry);
  if (withPort) {
    const [, address = '', port] = withPort;
    return isIP(address) === 4 && validPort(port) ? address : undefined;
  }
  return undefined;
}

function validPort(port: string | undefined): boolean {
  return port === undefined || Number(port) <= 65_535;
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
   * when the socket peer is a trusted proxy, and only as far back as the trust reaches:
   * `n` hops, or while the hop is in the trusted list.
   *
   * Entries are read from the right, nearest hop first. Ports are stripped. An entry that is
   * not an address (`unknown`, a name, garbage) ends the walk where it stands: the answer is
   * then {@link UNKNOWN_CLIENT_ADDRESS}, never an entry further left, which the client could
   * have written itself. Empty entries are not hops (RFC 9110 §5.6.1).
   *
   * @example
   * ```ts
   * new ClientAddressResolver(1).resolve(request); // XFF "6.6.6.6, 203.0.113.5:4711" → '203.0.113.5'
   * new ClientAddressResolver(1).resolve(request); // XFF "6.6.6.6, unknown" → 'unknown'
   * ```
   */
  resolve(request: unknown): string {
    const raw = rawRequest(request);
    const peer = normalizeAddress(raw.socket?.remoteAddress ?? '');
    if (this.hops === 0 && this.trusted === undefined) return peer;

    const header = raw.headers['x-forwarded-for'];
    const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    let current = peer;
    let position = 0;
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const entry = (entries[index] as string).trim();
      if (entry === '') continue;
      // Step past `current` only when it is a trusted proxy: it wrote the entry on its left.
      const trusted = this.trusted === undefined ? position < this.hops : this.isTrusted(current);
      if (!trusted) break;
      const address = forwardedAddress(entry);
      if (address === undefined) return UNKNOWN_CLIENT_ADDRESS;
      current = address;
      position += 1;
    }
    return current;
  }

  /**
   * Whether the socket peer of a request (Express or Fastify) is a trusted proxy: any peer with
   * a hop count of 1 or more, a listed address otherwise, nobody with `false`. Only such a peer
   * may speak for the client in a header, such as `x-forwarded-client-cert`.
   *
   * @example
   * ```ts
   * new ClientAddressResolver(['10.0.0.0/8']).isTrustedPeer(request); // socket 10.1.2.3 → true
   * ```
   */
  isTrustedPeer(request: unknown): boolean {
    if (this.hops > 0) return true;
    const peer = normalizeAddress(rawRequest(request).socket?.remoteAddress ?? '');
    return this.isTrusted(peer);
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    if (family === 0 || this.trusted === undefined) return false;
    return this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}
