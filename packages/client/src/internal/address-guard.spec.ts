import { describe, expect, it } from 'vitest';
import { isAllowedAddress, networkList } from './address-guard.js';

const none = networkList([], 'test');

describe('isAllowedAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '224.0.0.1',
    // IPv4-compatible (deprecated ::/96): some stacks still reach the IPv4 address.
    '::127.0.0.1',
    '::a9fe:a9fe',
    // Zone ids never pass, whatever the address.
    'fe80::1%eth0',
  ])('refuses %s', (address) => {
    expect(isAllowedAddress(address, none)).toBe(false);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111'])('allows public %s', (address) => {
    expect(isAllowedAddress(address, none)).toBe(true);
  });

  it('allows a private network only when listed', () => {
    const allowed = networkList(['10.1.0.0/16', '127.0.0.2'], 'test');
    expect(isAllowedAddress('10.1.2.3', allowed)).toBe(true);
    expect(isAllowedAddress('10.2.0.1', allowed)).toBe(false);
    expect(isAllowedAddress('127.0.0.2', allowed)).toBe(true);
    expect(isAllowedAddress('127.0.0.1', allowed)).toBe(false);
  });

  it('refuses something that is not an address', () => {
    expect(isAllowedAddress('localhost', none)).toBe(false);
  });

  it('names a bad CIDR', () => {
    expect(() => networkList(['10.0.0.0/33'], 'allowDynamicHosts.allowNetworks')).toThrow(
      'allowDynamicHosts.allowNetworks: "10.0.0.0/33" is not an IPv4 or IPv6 CIDR',
    );
  });
});
