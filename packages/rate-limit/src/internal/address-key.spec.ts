import { describe, expect, it } from 'vitest';
import { addressKey } from './address-key.js';

describe('addressKey', () => {
  it('keeps IPv4 addresses whole', () => {
    expect(addressKey('203.0.113.9', 56)).toBe('203.0.113.9');
  });

  it('groups IPv6 addresses of one /56 together', () => {
    const a = addressKey('2001:db8:abcd:12ff:1:2:3:4', 56);
    const b = addressKey('2001:db8:abcd:1200::9', 56);
    expect(a).toBe('2001:db8:abcd:1200:0:0:0:0/56');
    expect(b).toBe(a);
    expect(addressKey('2001:db8:abcd:1300::9', 56)).not.toBe(a);
  });

  it('honours a configured prefix and embedded IPv4 tails', () => {
    expect(addressKey('2001:db8::1', 128)).toBe('2001:db8:0:0:0:0:0:1/128');
    expect(addressKey('64:ff9b::192.0.2.33', 128)).toBe('64:ff9b:0:0:0:0:c000:221/128');
    expect(addressKey('::1', 64)).toBe('0:0:0:0:0:0:0:0/64');
  });
});
