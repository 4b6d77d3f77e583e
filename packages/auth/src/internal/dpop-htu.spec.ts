import { describe, expect, it } from 'vitest';
import { DpopNonces } from './dpop-nonce.js';
import { normalizeHtu } from './dpop-proof.js';

describe('normalizeHtu (RFC 9449 §4.3, RFC 3986 §6.2.2–6.2.3)', () => {
  it.each([
    ['HTTPS://API.Example.COM:443/notes', 'https://api.example.com/notes'],
    ['http://api.example.com:80/notes', 'http://api.example.com/notes'],
    ['http://api.example.com:8080/notes', 'http://api.example.com:8080/notes'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['https://api.example.com/a/./b/../notes?x=1#top', 'https://api.example.com/a/notes'],
    ['https://api.example.com/%7euser/%2fnotes%3a', 'https://api.example.com/~user/%2Fnotes%3A'],
  ])('%s → %s', (input, output) => {
    expect(normalizeHtu(input)).toBe(output);
  });

  it('answers a repeated input as the first time, also after the input was forgotten', () => {
    // More distinct inputs than are remembered, each asked twice, then the first ones again.
    const inputs = Array.from(
      { length: 1500 },
      (_, i) => `HTTPS://API.Example.com:443/p/${i}/../n${i}`,
    );
    const expected = inputs.map((_, i) => `https://api.example.com/p/n${i}`);
    expect(inputs.map((input) => normalizeHtu(input))).toEqual(expected);
    expect(inputs.map((input) => normalizeHtu(input))).toEqual(expected);
    expect(normalizeHtu(inputs[0] as string)).toBe(expected[0]);
    expect(normalizeHtu('ftp://api.example.com/notes')).toBeUndefined();
    expect(normalizeHtu('ftp://api.example.com/notes')).toBeUndefined();
  });

  it.each([
    ['not a URL', 'not a url'],
    ['another scheme', 'ftp://api.example.com/notes'],
    ['userinfo', 'https://user:pw@api.example.com/notes'],
  ])('refuses %s', (_label, input) => {
    expect(normalizeHtu(input)).toBeUndefined();
  });
});

describe('DpopNonces', () => {
  const key = new TextEncoder().encode('k'.repeat(32));

  it('accepts a nonce during its step and the next, then no more', () => {
    const nonces = new DpopNonces(key, 60);
    const nonce = nonces.current(600);
    expect(nonce).toMatch(/^10\.[A-Za-z0-9_-]{43}$/);
    expect(nonces.accepts(nonce, 659)).toBe(true);
    expect(nonces.accepts(nonce, 719)).toBe(true);
    expect(nonces.accepts(nonce, 720)).toBe(false);
    expect(nonces.accepts(nonce, 599)).toBe(false);
  });

  it('refuses a nonce of another key, a tampered one, and garbage', () => {
    const nonces = new DpopNonces(key, 60);
    const other = new DpopNonces(new TextEncoder().encode('o'.repeat(32)), 60);
    const nonce = nonces.current(600);
    expect(nonces.accepts(other.current(600), 600)).toBe(false);
    expect(nonces.accepts(`${nonce.slice(0, -1)}A`, 600)).toBe(false);
    expect(nonces.accepts('10', 600)).toBe(false);
    expect(nonces.accepts('.abc', 600)).toBe(false);
    expect(nonces.accepts(undefined, 600)).toBe(false);
  });
});
