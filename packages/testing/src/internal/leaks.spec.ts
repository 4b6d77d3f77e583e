import { describe, expect, it } from 'vitest';
import { findInternals, findLeaks } from './leaks.js';

describe('findLeaks', () => {
  it.each([
    ['stack frame', 'Error: x\n    at Object.<anonymous> (/srv/app/dist/main.js:10:5)'],
    [
      'stack frame',
      'at async Promise.all (index 0) at handle (node:internal/process/task_queues:95:5)',
    ],
    ['node_modules path', '{"detail":"see node_modules/@nestjs/core"}'],
    ['file URL', '{"detail":"file:///srv/app/x.js"}'],
    ['absolute path', '{"detail":"ENOENT: open /home/alice/.env"}'],
    ['windows path', '{"detail":"C:\\\\Users\\\\bob\\\\app\\\\x.js"}'.replaceAll('\\\\', '\\')],
    ['runtime error', '{"message":"TypeError: x is not a function"}'],
    ['runtime error', '{"message":"Cannot read properties of undefined (reading \'id\')"}'],
    ['library message', '{"detail":"Unexpected token } in JSON at position 12"}'],
  ])('finds a %s', (kind, text) => {
    expect(findLeaks(text).map((f) => f.kind)).toContain(kind);
  });

  it('finds nothing in a clean problem body', () => {
    const body = JSON.stringify({
      type: 'urn:bulwark:problem:not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No route matches GET /v1/notes/abc',
      instance: '/v1/notes/0b8e0c2e-3f7e-4b6f-9c1a-2f6f3c8e1d2a',
      requestId: '6f1c2d3e-1111-2222-3333-444455556666',
      at: '2030-01-01T00:00:00.000Z',
    });
    expect(findLeaks(body)).toEqual([]);
  });
});

describe('findInternals', () => {
  it('finds URLs, addresses and credential members that a probe must not show', () => {
    const kinds = findInternals(
      '{"redis":"redis://10.0.0.5:6379","db":"localhost:5432","password":"x"}',
    ).map((f) => f.kind);
    expect(kinds).toEqual(['URL', 'IPv4 address', 'host:port', 'credential']);
  });

  it('accepts a plain status body', () => {
    expect(findInternals('{"status":"ok","checks":{"redis":{"status":"up"}}}')).toEqual([]);
  });
});
