import { describe, expect, it } from 'vitest';
import { joinPath, RefusedPath } from './safe-url.js';

const base = new URL('https://orders.internal:8443/api/v1/');

describe('joinPath', () => {
  it('joins relative and rooted paths under the base path and appends the query', () => {
    expect(joinPath(base, 'orders/1').href).toBe('https://orders.internal:8443/api/v1/orders/1');
    expect(joinPath(base, '/orders/1', { limit: 2, tag: ['a', 'b'], skip: undefined }).href).toBe(
      'https://orders.internal:8443/api/v1/orders/1?limit=2&tag=a&tag=b',
    );
    expect(joinPath(base, 'orders/a%20b').pathname).toBe('/api/v1/orders/a%20b');
  });

  it.each([
    ['an absolute URL', 'http://169.254.169.254/latest/meta-data', 'the path is an absolute URL'],
    ['another scheme', 'file:///etc/passwd', 'the path is an absolute URL'],
    ['a protocol-relative host', '//evil.example/x', 'the path starts with //'],
    ['a backslash host', '\\\\evil.example/x', 'the path holds a backslash'],
    ['a backslash inside', '/orders\\..\\..\\admin', 'the path holds a backslash'],
    ['dot segments above the base', '../../admin', 'the path climbs above the base path'],
    ['encoded dots', '%2e%2e/%2E%2E/admin', 'the path holds an encoded dot, slash or backslash'],
    [
      'an encoded slash',
      'orders%2f..%2fadmin',
      'the path holds an encoded dot, slash or backslash',
    ],
    ['a control character', 'orders\r\nHost: evil', 'the path holds a control character'],
  ])('refuses %s', (_, path, message) => {
    expect(() => joinPath(base, path)).toThrow(new RefusedPath(message));
  });

  it('keeps an @ inside the path instead of turning it into credentials and a host', () => {
    const url = joinPath(new URL('https://orders.internal'), '@evil.example/x');
    expect(url.host).toBe('orders.internal');
    expect(url.pathname).toBe('/@evil.example/x');
  });

  it('allows dot segments that stay under the base path', () => {
    expect(joinPath(base, 'orders/../invoices').pathname).toBe('/api/v1/invoices');
  });

  it('drops a fragment, which never goes to the server', () => {
    expect(joinPath(base, 'orders/1#top').href).toBe(
      'https://orders.internal:8443/api/v1/orders/1',
    );
    expect(joinPath(base, 'orders/1#top', { a: 1 }).href).toBe(
      'https://orders.internal:8443/api/v1/orders/1?a=1',
    );
  });

  it('follows a base URL changed after an earlier join', () => {
    const moving = new URL('https://orders.internal/api/v1/');
    expect(joinPath(moving, 'x').href).toBe('https://orders.internal/api/v1/x');
    moving.pathname = '/api/v2/';
    expect(joinPath(moving, 'x').href).toBe('https://orders.internal/api/v2/x');
    expect(() => joinPath(moving, '../v1/x')).toThrow(
      new RefusedPath('the path climbs above the base path'),
    );
  });
});
