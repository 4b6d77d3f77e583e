import { describe, expect, it } from 'vitest';
import { BulwarkConfigError } from './bulwark-error.js';
import {
  ClientAddressResolver,
  parseTrustProxy,
  UNKNOWN_CLIENT_ADDRESS,
} from './client-address.js';

const request = (peer: string, forwarded?: string) => ({
  socket: { remoteAddress: peer },
  headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
});

describe('parseTrustProxy', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['off', false],
    ['2', 2],
    ['10.0.0.0/8, loopback', ['10.0.0.0/8', 'loopback']],
  ])('parses %j', (input, expected) => {
    expect(parseTrustProxy(input)).toEqual(expected);
  });

  it('names the variable and the bad entry', () => {
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(BulwarkConfigError);
    expect(() => parseTrustProxy('proxy.internal')).toThrow(
      'TRUST_PROXY: "proxy.internal" is not an IP address, a CIDR or one of loopback, linklocal, uniquelocal',
    );
  });
});

describe('ClientAddressResolver', () => {
  describe('when no proxy is trusted', () => {
    const resolver = new ClientAddressResolver(false);
    it('ignores a spoofed X-Forwarded-For', () => {
      expect(resolver.resolve(request('198.51.100.7', '1.2.3.4'))).toBe('198.51.100.7');
    });
    it('unwraps IPv4-mapped IPv6 peers', () => {
      expect(resolver.resolve(request('::ffff:198.51.100.7'))).toBe('198.51.100.7');
    });
  });

  describe('when one hop is trusted', () => {
    const resolver = new ClientAddressResolver(1);
    it('takes the rightmost forwarded address, not the client-supplied leftmost', () => {
      expect(resolver.resolve(request('10.0.0.2', '6.6.6.6, 203.0.113.5'))).toBe('203.0.113.5');
    });
    it('falls back to the peer without a header', () => {
      expect(resolver.resolve(request('10.0.0.2'))).toBe('10.0.0.2');
    });
  });

  describe('when CIDRs are trusted', () => {
    const resolver = new ClientAddressResolver(['10.0.0.0/8']);
    it('walks back through trusted proxies only', () => {
      expect(resolver.resolve(request('10.0.0.2', '6.6.6.6, 203.0.113.5, 10.1.1.1'))).toBe(
        '203.0.113.5',
      );
    });
    it('ignores the header from an untrusted peer', () => {
      expect(resolver.resolve(request('198.51.100.7', '6.6.6.6'))).toBe('198.51.100.7');
    });
  });

  // Each row: the socket peer, X-Forwarded-For, and the client it names. 6.6.6.6 and 7.7.7.7
  // are always written by the client itself, so they must never come out.
  type Row = [string, string, string | undefined, string];
  const rows = (resolver: ClientAddressResolver, table: Row[]) =>
    it.each(table)('%s: peer %s, X-Forwarded-For %j → %s', (_case, peer, forwarded, client) => {
      expect(resolver.resolve(request(peer, forwarded))).toBe(client);
    });

  describe('when one hop is trusted, with ports, brackets and entries that are not addresses', () => {
    rows(new ClientAddressResolver(1), [
      ['IPv4 with a port', '10.0.0.2', '6.6.6.6, 203.0.113.5:4711', '203.0.113.5'],
      ['bracketed IPv6 with a port', '10.0.0.2', '6.6.6.6, [2001:DB8::7]:443', '2001:db8::7'],
      ['bracketed IPv6 without a port', '10.0.0.2', '6.6.6.6, [2001:db8::7]', '2001:db8::7'],
      ['bare IPv6 is not read as ip:port', '10.0.0.2', '6.6.6.6, 2001:db8::7:80', '2001:db8::7:80'],
      ['IPv4-mapped IPv6', '10.0.0.2', '6.6.6.6, [::ffff:203.0.113.5]:1', '203.0.113.5'],
      ['unknown ends the chain', '10.0.0.2', '6.6.6.6, unknown', UNKNOWN_CLIENT_ADDRESS],
      ['a name ends the chain', '10.0.0.2', '6.6.6.6, proxy.internal', UNKNOWN_CLIENT_ADDRESS],
      ['an out-of-range port', '10.0.0.2', '6.6.6.6, 203.0.113.5:70000', UNKNOWN_CLIENT_ADDRESS],
      ['a port on bare IPv6', '10.0.0.2', '6.6.6.6, 2001:db8::7]:80', UNKNOWN_CLIENT_ADDRESS],
      [
        'garbage left of the trusted hop is ignored',
        '10.0.0.2',
        'unknown, 203.0.113.5',
        '203.0.113.5',
      ],
      ['empty entries are not hops', '10.0.0.2', '6.6.6.6, 203.0.113.5, ', '203.0.113.5'],
      ['no header: the peer', '10.0.0.2', undefined, '10.0.0.2'],
    ]);
  });

  describe('when two hops are trusted', () => {
    rows(new ClientAddressResolver(2), [
      ['both hops addresses', '10.0.0.2', '6.6.6.6, 203.0.113.5, 10.0.0.1:8080', '203.0.113.5'],
      ['the inner proxy unknown', '10.0.0.2', '6.6.6.6, 7.7.7.7, unknown', UNKNOWN_CLIENT_ADDRESS],
      ['the client unknown', '10.0.0.2', '6.6.6.6, unknown, 10.0.0.1', UNKNOWN_CLIENT_ADDRESS],
      ['a short chain: the leftmost', '10.0.0.2', '[2001:db8::9]:1234', '2001:db8::9'],
    ]);
  });

  describe('when CIDRs are trusted, with ports, brackets and entries that are not addresses', () => {
    rows(new ClientAddressResolver(['10.0.0.0/8', 'fd00::/8']), [
      ['IPv4 with a port', '10.0.0.2', '6.6.6.6, 203.0.113.5:4711', '203.0.113.5'],
      [
        'a trusted proxy with a port',
        '10.0.0.2',
        '6.6.6.6, 203.0.113.5, 10.1.1.1:80',
        '203.0.113.5',
      ],
      [
        'a trusted IPv6 proxy bracketed',
        '10.0.0.2',
        '6.6.6.6, 203.0.113.5, [fd00::1]:80',
        '203.0.113.5',
      ],
      ['unknown ends the chain', '10.0.0.2', '6.6.6.6, unknown', UNKNOWN_CLIENT_ADDRESS],
      ['unknown behind a proxy', '10.0.0.2', '6.6.6.6, unknown, 10.1.1.1', UNKNOWN_CLIENT_ADDRESS],
      ['garbage', '10.0.0.2', 'not-an-ip', UNKNOWN_CLIENT_ADDRESS],
      ['garbage left of the client is ignored', '10.0.0.2', 'unknown, 203.0.113.5', '203.0.113.5'],
      ['an untrusted peer: header ignored', '198.51.100.7', 'unknown', '198.51.100.7'],
      ['every hop trusted: the leftmost', '10.0.0.2', '10.9.9.9:1, 10.1.1.1', '10.9.9.9'],
      ['empty entries are not hops', '10.0.0.2', ',203.0.113.5,,', '203.0.113.5'],
    ]);
  });
});

describe('ClientAddressResolver.isTrustedPeer', () => {
  it('trusts any socket peer with a hop count, listed peers with a list, nobody with false', () => {
    expect(new ClientAddressResolver(1).isTrustedPeer(request('203.0.113.5'))).toBe(true);
    const listed = new ClientAddressResolver(['10.0.0.0/8', 'loopback']);
    expect(listed.isTrustedPeer(request('10.1.2.3'))).toBe(true);
    expect(listed.isTrustedPeer(request('::ffff:127.0.0.1'))).toBe(true);
    expect(listed.isTrustedPeer(request('203.0.113.5'))).toBe(false);
    expect(new ClientAddressResolver(false).isTrustedPeer(request('127.0.0.1'))).toBe(false);
  });
});
