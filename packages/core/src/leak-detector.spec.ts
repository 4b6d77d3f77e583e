import { describe, expect, it } from 'vitest';
import { detectLeaks, type LeakKind } from './leak-detector.js';

const kindsOf = (text: string) => detectLeaks(text).map((leak) => leak.kind);

describe('detectLeaks', () => {
  it.each<[string, string, LeakKind]>([
    // stack-frame
    ['a stack frame', 'Error: x\n    at Object.<anonymous> (/app/dist/main.js:3:9)', 'stack-frame'],
    [
      'an async frame in node internals',
      'at async Promise.all (index 0) at handle (node:internal/process/task_queues:95:5)',
      'stack-frame',
    ],
    ['a constructor frame', 'at new NotesService (/srv/app/dist/notes.js:10:5)', 'stack-frame'],
    ['a frame on a relative file', 'at load (notes.service.js:12:7)', 'stack-frame'],
    ['an error line followed by a frame', 'QueryError: boom\n  at somewhere', 'stack-frame'],
    // node-modules
    ['node_modules', 'failed in node_modules/pg/lib/client.js', 'node-modules'],
    ['node_modules in JSON', '{"detail":"see node_modules/@nestjs/core"}', 'node-modules'],
    // absolute-path
    ['an absolute path', 'open "/home/app/.env" failed', 'absolute-path'],
    ['a path after a colon', '{"detail":"ENOENT: open /home/alice/.env"}', 'absolute-path'],
    ['a macOS home', '{"detail":"read /Users/bob/app/x.js"}', 'absolute-path'],
    ['a mounted path', '{"detail":"[/mnt/secrets/db-password"}', 'absolute-path'],
    // file-url
    ['a file URL', 'at file:///srv/app/main.js', 'file-url'],
    ['a file URL in JSON', '{"detail":"file:///srv/app/x.js"}', 'file-url'],
    // windows-path
    ['a Windows path', 'C:\\Users\\app\\main.js', 'windows-path'],
    ['a Windows directory', '{"detail":"D:\\builds\\bob@corp\\app\\x"}', 'windows-path'],
    // source-file
    ['a source position', 'main.ts:12', 'source-file'],
    ['a built file position', 'failed in notes.mjs:40', 'source-file'],
    // runtime-error
    ['a JavaScript error name', '{"message":"TypeError: x is not a function"}', 'runtime-error'],
    ['a URIError', '{"message":"URIError: URI malformed"}', 'runtime-error'],
    [
      "V8's undefined property message",
      '{"message":"Cannot read properties of undefined (reading \'id\')"}',
      'runtime-error',
    ],
    // library-message
    ['a JSON.parse message', 'Unexpected token } in JSON at position 5', 'library-message'],
    ['a Fastify code', 'FST_ERR_CTP_BODY_TOO_LARGE', 'library-message'],
    ['a Node error code', '{"code":"ERR_INVALID_ARG_TYPE"}', 'library-message'],
    ['a connection error', 'connect ECONNREFUSED 10.0.0.5:5432', 'library-message'],
    ['a Nest 404 message', 'Cannot GET /admin', 'library-message'],
    ["Express's body limit message", 'request entity too large', 'library-message'],
    ['a SQL statement', 'SELECT * FROM notes WHERE id = 1', 'library-message'],
  ])('finds %s', (_name, text, kind) => {
    expect(kindsOf(text)).toContain(kind);
  });

  it('reports each kind once, trimmed, in a fixed order', () => {
    const body = JSON.stringify({
      detail: 'TypeError: x\n    at a (/app/dist/main.js:3:9)\n    at b (/app/dist/other.js:4:1)',
    });
    const leaks = detectLeaks(body);
    expect(leaks.map((leak) => leak.kind)).toEqual([
      'stack-frame',
      'absolute-path',
      'source-file',
      'runtime-error',
    ]);
    expect(leaks[0]?.match).toBe('at a (/app/dist/main.js:3:9)');
  });

  it('cuts a match to 80 characters', () => {
    const [leak] = detectLeaks(`node_modules${'x'.repeat(200)}`.replace('node_modules', '/home/'));
    expect(leak?.kind).toBe('absolute-path');
    expect(leak?.match).toHaveLength(80);
  });

  it.each([
    [
      'a not-found problem',
      {
        type: 'urn:bulwark:problem:not-found',
        title: 'Not Found',
        status: 404,
        detail: 'No resource matches the request.',
        instance: '/v1/notes/42',
        requestId: '5b0e6f8e-0d1c-4a51-9b5f-7c1d2e3f4a5b',
      },
    ],
    [
      'a problem naming the route and a time',
      {
        type: 'urn:bulwark:problem:not-found',
        title: 'Not Found',
        status: 404,
        detail: 'No route matches GET /v1/notes/abc',
        instance: '/v1/notes/0b8e0c2e-3f7e-4b6f-9c1a-2f6f3c8e1d2a',
        requestId: '6f1c2d3e-1111-2222-3333-444455556666',
        at: '2030-01-01T00:00:00.000Z',
      },
    ],
  ])('passes %s', (_name, body) => {
    expect(detectLeaks(JSON.stringify(body))).toEqual([]);
  });
});
