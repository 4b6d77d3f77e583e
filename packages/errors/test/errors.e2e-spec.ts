import { detectLeaks } from '@bulwark/core/testing';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyErrorHandling } from '../src/index.js';
import { CaptureLogger } from './support/capture-logger.js';
import { FixtureModule, INTERNAL_MESSAGE } from './support/fixture.js';
import { type RawResponse, send } from './support/http.js';

/** Asserts a problem+json answer with no leak, and returns its body. */
async function expectProblem(
  response: Response | RawResponse,
  status: number,
  type: string,
): Promise<Record<string, unknown>> {
  const text = response instanceof Response ? await response.text() : response.body;
  const header = (name: string) =>
    response instanceof Response ? response.headers.get(name) : response.headers[name];
  expect(response.status).toBe(status);
  expect(header('content-type')).toBe('application/problem+json');
  expect(detectLeaks(text)).toEqual([]);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `urn:bulwark:problem:${type}`, status });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(header('x-request-id'));
  return body;
}

const json = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

describe.each(ADAPTERS)('@bulwark/errors on %s', (adapter) => {
  let running: RunningApp;
  const logs = new CaptureLogger();
  beforeAll(async () => {
    running = await bootstrap(FixtureModule, {
      adapter,
      configure: (app) => {
        app.useLogger(logs);
        applyErrorHandling(app, {
          body: { bodyLimitBytes: 1024, maxDepth: 8, maxArrayLength: 10 },
        });
      },
    });
  });
  afterAll(() => running.close());

  describe('error kinds', () => {
    it('answers an unknown error with a generic 500 and logs the diagnostic', async () => {
      const response = await fetch(`${running.url}/boom?secret=1`);
      const body = await expectProblem(response, 500, 'internal');
      expect(body.instance).toBe('/boom');
      expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
      const [entry] = logs.forRequest(body.requestId as string);
      expect(entry?.level).toBe('error');
      expect(entry?.message).toMatchObject({ status: 500, path: '/boom' });
      expect(JSON.stringify(entry?.message)).toContain(INTERNAL_MESSAGE);
    });

    it.each([
      ['an HTTP client error with status 401', '/dependency-401'],
      ['an http-errors-shaped error with status and statusCode 401', '/dependency-http-error'],
      ['a bare object with status 401', '/object-401'],
    ])('regression: answers %s from a handler with a generic 500, not 401', async (_name, path) => {
      const response = await fetch(`${running.url}${path}`);
      const body = await expectProblem(response, 500, 'internal');
      expect(body).toEqual({
        type: 'urn:bulwark:problem:internal',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        instance: path,
        requestId: response.headers.get('x-request-id'),
      });
      expect(response.headers.get('www-authenticate')).toBeNull();
      const [entry] = logs.forRequest(body.requestId as string);
      expect(entry?.level).toBe('error');
      expect(entry?.message).toMatchObject({ status: 500, path });
    });

    it('answers a thrown non-error with a generic 500', async () => {
      await expectProblem(await fetch(`${running.url}/throw-string`), 500, 'internal');
    });

    it('renders an HttpException with the generic text of its status, not its message', async () => {
      const body = await expectProblem(
        await fetch(`${running.url}/http-exception`),
        404,
        'not-found',
      );
      expect(body.detail).toBe('No resource matches the request.');
    });

    it('renders an HttpException of status 413 as the body parser answers a body too large', async () => {
      const body = await expectProblem(
        await fetch(`${running.url}/too-large`),
        413,
        'payload-too-large',
      );
      expect(body).toEqual({
        type: 'urn:bulwark:problem:payload-too-large',
        title: 'Content Too Large',
        status: 413,
        detail: 'The request body is larger than this service accepts.',
        instance: '/too-large',
        requestId: body.requestId,
      });
    });

    it('renders an HttpException with an uncommon status by that status', async () => {
      const body = await expectProblem(await fetch(`${running.url}/teapot`), 418, 'http-418');
      expect(body.title).toBe("I'm a Teapot");
    });

    it('renders a ProblemException as is, keeps its headers and logs only its reason', async () => {
      const response = await fetch(`${running.url}/problem`);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token"',
      );
      const body = await expectProblem(response, 401, 'invalid-token');
      expect(body).toEqual({
        type: 'urn:bulwark:problem:invalid-token',
        title: 'Invalid Token',
        status: 401,
        detail: 'The access token is not valid.',
        instance: '/problem',
        requestId: response.headers.get('x-request-id'),
      });
      const [entry] = logs.forRequest(body.requestId as string);
      expect(entry?.message).toMatchObject({ reason: 'signature mismatch for kid k1' });
    });

    it('answers an unknown route with 404 without echoing the path in the detail', async () => {
      const response = await fetch(`${running.url}/no/such/route?q=1`);
      const body = await expectProblem(response, 404, 'not-found');
      expect(body.instance).toBe('/no/such/route');
      expect(body.detail).not.toContain('/no/such/route');
    });

    it.each(['TRACE', 'DELETE', 'PUT', 'PROPFIND', 'SEARCH'])(
      'answers %s on a GET route with a 4xx problem, never 5xx',
      async (method) => {
        const response = await send(`${running.url}/ok`, { method });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(detectLeaks(response.body)).toEqual([]);
      },
    );

    it('answers TRACE on an unknown route with a 404 problem', async () => {
      const response = await send(`${running.url}/anything`, { method: 'TRACE' });
      await expectProblem(response, 404, 'not-found');
    });
  });

  describe('request ids', () => {
    it('generates an id when none is sent, on success and on 404', async () => {
      const ok = await fetch(`${running.url}/ok`);
      expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const missing = await fetch(`${running.url}/missing`);
      expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(missing.headers.get('x-request-id')).not.toBe(ok.headers.get('x-request-id'));
    });

    it('keeps a sane incoming id, in the header and in the problem', async () => {
      const response = await fetch(`${running.url}/boom`, {
        headers: { 'x-request-id': 'edge-7f3a.01:b_c' },
      });
      expect(response.headers.get('x-request-id')).toBe('edge-7f3a.01:b_c');
      expect(((await response.json()) as { requestId: string }).requestId).toBe('edge-7f3a.01:b_c');
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['markup', '<script>alert(1)</script>'],
      ['spaces', 'a b'],
      ['quotes', '"injected"'],
      ['log forging', 'abc level=admin'],
      ['path', '../../etc/passwd'],
      ['latin-1', 'caf\u00e9'],
      ['empty', ''],
    ])('replaces a hostile id (%s)', async (_name, id) => {
      const response = await fetch(`${running.url}/ok`, { headers: { 'x-request-id': id } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('replaces two ids joined by a proxy', async () => {
      const headers = new Headers();
      headers.append('x-request-id', 'one');
      headers.append('x-request-id', 'two');
      const response = await fetch(`${running.url}/ok`, { headers });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('input hardening', () => {
    it('parses a valid JSON body, including a +json type', async () => {
      const response = await fetch(`${running.url}/echo`, json('{"a":[1,2],"b":{"c":"d"}}'));
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ received: { a: [1, 2], b: { c: 'd' } } });
      const merge = await fetch(
        `${running.url}/echo`,
        json('{"a":1}', { 'content-type': 'application/merge-patch+json; charset=UTF-8' }),
      );
      expect(merge.status).toBe(201);
    });

    it('answers a body over the limit with 413', async () => {
      const body = JSON.stringify({ data: 'x'.repeat(2000) });
      await expectProblem(await fetch(`${running.url}/echo`, json(body)), 413, 'payload-too-large');
    });

    it('answers a chunked body over the limit with 413', async () => {
      const response = await send(`${running.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks: ['{"data":"', 'x'.repeat(700), 'x'.repeat(700), '"}'],
      });
      await expectProblem(response, 413, 'payload-too-large');
    });

    it('answers invalid JSON with 400 and no parser message', async () => {
      const body = await expectProblem(
        await fetch(`${running.url}/echo`, json('{"a": tru')),
        400,
        'invalid-json',
      );
      expect(body.detail).toBe('The request body could not be parsed as JSON.');
    });

    it('answers an empty JSON body and invalid UTF-8 with 400', async () => {
      await expectProblem(await fetch(`${running.url}/echo`, json(' ')), 400, 'invalid-json');
      const response = await fetch(`${running.url}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Uint8Array([0x22, 0xff, 0xfe, 0x22]),
      });
      await expectProblem(response, 400, 'invalid-json');
    });

    it('answers JSON nested deeper than the limit with 400', async () => {
      const deep = `${'['.repeat(9)}${']'.repeat(9)}`;
      await expectProblem(
        await fetch(`${running.url}/echo`, json(deep)),
        400,
        'json-limits-exceeded',
      );
      const veryDeep = `${'['.repeat(500)}${']'.repeat(500)}`;
      await expectProblem(
        await fetch(`${running.url}/echo`, json(veryDeep)),
        400,
        'json-limits-exceeded',
      );
      const atLimit = `${'['.repeat(8)}${']'.repeat(8)}`;
      expect((await fetch(`${running.url}/echo`, json(atLimit))).status).toBe(201);
    });

    it('does not count brackets inside strings as depth', async () => {
      const response = await fetch(`${running.url}/echo`, json(`{"s":"${'[{'.repeat(40)}"}`));
      expect(response.status).toBe(201);
    });

    it('answers an array longer than the limit with 400', async () => {
      const long = JSON.stringify({ items: Array.from({ length: 11 }, (_, i) => i) });
      await expectProblem(
        await fetch(`${running.url}/echo`, json(long)),
        400,
        'json-limits-exceeded',
      );
    });

    it.each([
      ['__proto__ at the top', '{"__proto__":{"isAdmin":true}}'],
      ['__proto__ nested', '{"user":{"name":"a","__proto__":{"isAdmin":true}}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"isAdmin":true}}}'],
      ['__proto__ in an array', '[{"__proto__":{"x":1}}]'],
    ])('refuses %s with 400', async (_name, body) => {
      await expectProblem(
        await fetch(`${running.url}/echo`, json(body)),
        400,
        'forbidden-json-key',
      );
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it.each([
      ['text/plain', { 'content-type': 'text/plain' }],
      ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['XML', { 'content-type': 'application/xml' }],
      ['JSON in latin-1', { 'content-type': 'application/json; charset=iso-8859-1' }],
      ['gzip JSON', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ])('answers %s with 415', async (_name, headers) => {
      const response = await fetch(`${running.url}/echo`, {
        method: 'POST',
        headers,
        body: 'a=1',
      });
      await expectProblem(response, 415, 'unsupported-media-type');
    });

    it('answers a body without a content type with 415', async () => {
      const response = await send(`${running.url}/echo`, {
        method: 'POST',
        headers: { 'content-length': '7' },
        chunks: ['{"a":1}'],
      });
      await expectProblem(response, 415, 'unsupported-media-type');
    });
  });

  describe('validation', () => {
    it('accepts a valid DTO and transforms it', async () => {
      const response = await fetch(
        `${running.url}/notes`,
        json('{"title":"hi","body":"there","tags":[{"name":"x"}]}'),
      );
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ title: 'hi', isDto: true });
    });

    it('names invalid and unknown fields without echoing their values', async () => {
      const response = await fetch(
        `${running.url}/notes`,
        json(
          '{"title":"SECRET-VALUE-123456","body":42,"role":"admin","tags":[{"name":"ok","x":"SECRET-TAG"}]}',
        ),
      );
      const body = await expectProblem(response, 400, 'validation-failed');
      expect(body.errors).toEqual([
        { field: 'role', rules: ['unknown'] },
        { field: 'title', rules: ['maxLength'] },
        { field: 'body', rules: ['isString'] },
        { field: 'tags[0].x', rules: ['unknown'] },
      ]);
      expect(body.detail).toBe(
        'The request has invalid or unknown fields: role, title, body, tags[0].x.',
      );
      expect(JSON.stringify(body)).not.toMatch(/SECRET|admin|:42[,}]/);
    });

    it('answers a body that is not an object for a DTO with 400', async () => {
      await expectProblem(
        await fetch(`${running.url}/notes`, json('"text"')),
        400,
        'validation-failed',
      );
    });
  });
});
