import { describe, expect, it } from 'vitest';
import { BulwarkConfigError } from './bulwark-error.js';
import { ClientAddressResolver, parseTrustProxy } from './client-address.js';

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
    it('skips garbage entries', () => {
      expect(resolver.resolve(request('10.0.0.2', 'not-an-ip'))).toBe('10.0.0.2');
    });
  });
});
