import { BlockList, isIP } from 'node:net';

/**
 * Addresses a dynamic destination may never reach unless allowed: this host, private networks,
 * link-local (cloud metadata at 169.254.169.254, fd00:ec2::254), shared and reserved ranges.
 * Node's BlockList matches IPv4-mapped IPv6 (`::ffff:169.254.169.254`) against IPv4 rules.
 */
const FORBIDDEN_V4: ReadonlyArray<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const FORBIDDEN_V6: ReadonlyArray<[string, number]> = [
  // The unspecified and loopback addresses, and IPv4-compatible ones (RFC 4291 §2.5.5.1).
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const forbidden = new BlockList();
for (const [net, prefix] of FORBIDDEN_V4) forbidden.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of FORBIDDEN_V6) forbidden.addSubnet(net, prefix, 'ipv6');

/** Strips the brackets of an IPv6 URL host. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Parses `a.b.c.d/n` or `x::/n` into a BlockList; throws on a bad entry, naming it. */
export function networkList(cidrs: readonly string[], setting: string): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefixText] = cidr.split('/');
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    if (
      family === 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > (family === 6 ? 128 : 32)
    ) {
      throw new TypeError(`${setting}: "${cidr}" is not an IPv4 or IPv6 CIDR`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** Whether an address may be connected to: public, or inside an allowed network. */
export function isAllowedAddress(address: string, allowed: BlockList): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (allowed.check(address, type)) return true;
  return !forbidden.check(address, type);
}
