import { describe, expect, it } from 'vitest';
import { detectLeaks } from './leak-detector.js';

describe('detectLeaks', () => {
  it.each([
    ['a stack frame', 'Error: x\n    at Object.<anonymous> (/app/dist/main.js:3:9)', 'stack-frame'],
    ['node_modules', 'failed in node_modules/pg/lib/client.js', 'node-modules'],
    ['an absolute path', 'open "/home/app/.env" failed', 'absolute-path'],
    ['a file URL', 'at file:///srv/app/main.js', 'absolute-path'],
    ['a Windows path', 'C:\\Users\\app\\main.js', 'absolute-path'],
    ['a source position', 'main.ts:12', 'source-file'],
    ['a JSON.parse message', 'Unexpected token } in JSON at position 5', 'library-message'],
    ['a Fastify code', 'FST_ERR_CTP_BODY_TOO_LARGE', 'library-message'],
    ['a Nest 404 message', 'Cannot GET /admin', 'library-message'],
  ])('finds %s', (_name, text, kind) => {
    expect(detectLeaks(text).map((leak) => leak.kind)).toContain(kind);
  });

  it('passes a clean problem body', () => {
    const body = JSON.stringify({
      type: 'urn:bulwark:problem:not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No resource matches the request.',
      instance: '/v1/notes/42',
      requestId: '5b0e6f8e-0d1c-4a51-9b5f-7c1d2e3f4a5b',
    });
    expect(detectLeaks(body)).toEqual([]);
  });
});
