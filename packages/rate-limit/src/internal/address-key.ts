import { isIP } from 'node:net';

/** Expands an IPv6 address into its eight 16-bit groups. */
function hextets(address: string): number[] | undefined {
  let text = address.split('%')[0] as string;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIP(tail) === 4) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? Number.parseInt(h, 16) : -1));
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = halves.length === 2 ? 8 - left.length - right.length : 0;
  if (fill < 0) return undefined;
  const groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0) ? groups : undefined;
}

/**
 * The rate-limit identity of a client address: IPv4 as is, IPv6 masked to `prefix` bits
 * (written as CIDR), since a single subscriber is usually given a whole /56 or /64 and could
 * otherwise rotate through addresses to escape its limit.
 */
export function addressKey(address: string, prefix: number): string {
  if (isIP(address) !== 6) return address;
  const groups = hextets(address.toLowerCase());
  if (!groups) return address;
  const masked = groups.map((group, index) => {
    const bits = Math.max(0, Math.min(16, prefix - index * 16));
    return bits === 0 ? 0 : group & (0xffff << (16 - bits)) & 0xffff;
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${prefix}`;
}
