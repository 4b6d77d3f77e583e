import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { prepareHeaders } from './prepared-headers.js';

const SET = [
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
] as const;
const REMOVE = ['X-Powered-By', 'Server'];

function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader('x-request-id', 'req-1');
  res.setHeader('X-Powered-By', 'Express');
  res.setHeader('x-frame-options', 'SAMEORIGIN');
  return res;
}

/** Everything a reader of the headers sees, and the header block that would be sent. */
function seen(res: ServerResponse) {
  const names = (res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames();
  const headers = { ...res.getHeaders() };
  const has = ['server', 'x-powered-by', 'x-frame-options'].map((name) => res.hasHeader(name));
  res.setHeader('Content-Type', 'application/json');
  res.writeHead(404, { 'Content-Length': '2' });
  return { names, headers, has, head: (res as unknown as { _header: string })._header };
}

describe('prepareHeaders', () => {
  it('leaves a response exactly as setHeader and removeHeader would', () => {
    const expected = response();
    for (const [name, value] of SET) expected.setHeader(name, value);
    for (const name of REMOVE) expected.removeHeader(name);
    const actual = response();
    prepareHeaders(SET, REMOVE)(actual);
    const result = seen(actual);
    expect(result).toEqual(seen(expected));
    expect(result.head).toContain('X-Frame-Options: DENY\r\n');
    expect(result.head).not.toContain('X-Powered-By');
  });

  it('writes into a response that has no header yet', () => {
    const expected = new ServerResponse(new IncomingMessage(new Socket()));
    for (const [name, value] of SET) expected.setHeader(name, value);
    const actual = new ServerResponse(new IncomingMessage(new Socket()));
    prepareHeaders(SET, REMOVE)(actual);
    expect(seen(actual)).toEqual(seen(expected));
  });

  it('writes the headers in one pass on this Node, without calling setHeader per header', () => {
    const write = prepareHeaders(SET, REMOVE);
    const res = response();
    const setHeader = vi.spyOn(ServerResponse.prototype, 'setHeader');
    const removeHeader = vi.spyOn(ServerResponse.prototype, 'removeHeader');
    try {
      write(res);
      expect(setHeader).not.toHaveBeenCalled();
      expect(removeHeader).not.toHaveBeenCalled();
    } finally {
      setHeader.mockRestore();
      removeHeader.mockRestore();
    }
    expect(res.getHeader('x-content-type-options')).toBe('nosniff');
  });

  it('leaves later setHeader, removeHeader, getHeader and hasHeader calls their usual effect', () => {
    const later = (res: ServerResponse) => {
      res.removeHeader('x-frame-options');
      res.setHeader('strict-transport-security', 'max-age=1');
      res.setHeader('Vary', 'Origin');
      return {
        headerNames: res.getHeaderNames(),
        hsts: res.getHeader('Strict-Transport-Security'),
        frame: res.hasHeader('X-Frame-Options'),
        ...seen(res),
      };
    };
    const expected = response();
    for (const [name, value] of SET) expected.setHeader(name, value);
    for (const name of REMOVE) expected.removeHeader(name);
    const actual = response();
    prepareHeaders(SET, REMOVE)(actual);
    const result = later(actual);
    expect(result).toEqual(later(expected));
    expect(result.head).toContain('strict-transport-security: max-age=1\r\n');
    expect(result.frame).toBe(false);
  });

  it('falls back to setHeader on a Node whose header readers do not read that map alone', () => {
    // A Node that also keeps the names in another structure, the way a future version might:
    // the start-up comparison must see that writing the map alone differs, and not use it.
    const NAMES = Symbol('names');
    type Tracked = ServerResponse & { [NAMES]?: string[] };
    const proto = ServerResponse.prototype as unknown as Record<string, unknown>;
    const originalSet = proto.setHeader as ServerResponse['setHeader'];
    const originalRaw = proto.getRawHeaderNames as () => string[];
    proto.setHeader = function (this: Tracked, name: string, value: string) {
      this[NAMES] ??= [];
      this[NAMES].push(name);
      return originalSet.call(this, name, value);
    };
    proto.getRawHeaderNames = function (this: Tracked) {
      return [...new Set(this[NAMES] ?? [])].filter((name) =>
        originalRaw.call(this).includes(name),
      );
    };
    try {
      const write = prepareHeaders(SET, REMOVE);
      const res = response();
      const setHeader = vi.spyOn(ServerResponse.prototype, 'setHeader');
      try {
        write(res);
        expect(setHeader).toHaveBeenCalledTimes(SET.length);
      } finally {
        setHeader.mockRestore();
      }
    } finally {
      proto.setHeader = originalSet;
      proto.getRawHeaderNames = originalRaw;
    }
  });

  it('refuses at preparation a value Node would refuse', () => {
    expect(() => prepareHeaders([['X-Bad', 'line\r\nbreak']], [])).toThrow(
      'Invalid character in header content ["X-Bad"]',
    );
  });
});
