import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADAPTERS } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureProcess, startFixture } from './fixture-process.js';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const RAW_TRACE_IDS = ['1bf7651916cd43dd8448eb211c80319c', '2cf7651916cd43dd8448eb211c80319c'];
const PARENT_SPAN_ID = 'b7ad6b7169203331';
// A password-reset token in a path segment, as reset and magic links carry it.
const RESET_TOKEN = 'rst_Q29uZmlkZW50aWFsLXJlc2V0LXRva2VuLTc3MQ';
// What the fixture's broken route puts in its error message: a registered secret and a token.
const DATABASE_PASSWORD = 'Sup3rS3cret-db-pass';
const TOKEN = 'abcdef.123456.ghijkl';
const SCRUBBED_MESSAGE =
  'database exploded: postgres://app:[REDACTED]@db/notes refused Bearer [REDACTED]';

/**
 * POSTs a JSON body in two writes 50 ms apart, so that the body's last chunk and its end arrive
 * well after the request event: the handler then runs from a later network callback.
 */
function postInTwoParts(url: string, headers: Record<string, string>) {
  const body = JSON.stringify({ name: 'x'.repeat(20_000) });
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const post = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': body.length },
    });
    post.on('error', reject).on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
      );
    });
    post.write(body.slice(0, 10_000));
    setTimeout(() => post.end(body.slice(10_000)), 50);
  });
}

describe.each(ADAPTERS)('tracing on %s, exported as OTLP http/json', (adapter) => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let fixture: FixtureProcess;
  const responses: Record<string, { status: number; body: Record<string, unknown> }> = {};
  let exitCode: number | null;
  let spans: ReceivedSpan[];
  let created: { status: number; body: Record<string, unknown> };
  let rawPosts: Array<{ status: number; body: Record<string, unknown> }>;
  // A downstream service the POST handler calls: records the traceparent and baggage it was sent.
  const downstreamTraceparents: (string | undefined)[] = [];
  const downstreamBaggage: (string | undefined)[] = [];
  const downstream = createServer((request, response) => {
    downstreamTraceparents.push(request.headers.traceparent as string | undefined);
    downstreamBaggage.push(request.headers.baggage as string | undefined);
    response.end('ok');
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
    receiver = await startOtlpReceiver();
    fixture = await startFixture(adapter, {
      OTEL_SERVICE_NAME: `notes-${adapter}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      FIXTURE_RECORD_PRINCIPAL: '1',
      FIXTURE_DOWNSTREAM: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/audit`,
    });
    const requests: Record<string, [string, Record<string, string>]> = {
      item: [
        '/items/42',
        {
          traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
          baggage: 'tenant=acme',
          'x-user': 'alice',
        },
      ],
      broken: ['/items/42/broken', {}],
      odd: ['/items/42/odd', {}],
      denied: ['/items/admin/reports', { 'x-user': 'bob', 'x-roles': 'reader' }],
      allowed: ['/items/admin/reports', { 'x-roles': 'admin' }],
      guardFailed: ['/items/admin/reports', { 'x-roles': 'explode' }],
      unmatched: ['/nothing/here/7', {}],
      resetLink: [`/items/${RESET_TOKEN}`, {}],
    };
    for (const [name, [path, headers]] of Object.entries(requests)) {
      const response = await fetch(`${fixture.url}${path}`, { headers });
      responses[name] = {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      };
    }
    created = await postInTwoParts(`${fixture.url}/items`, {
      traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`,
      baggage: 'tenant=acme',
    });
    // Two POSTs to the plain node:http server at once, on two connections, each continuing its
    // own trace: both bodies end after both request events.
    rawPosts = await Promise.all(
      RAW_TRACE_IDS.map((traceId) =>
        postInTwoParts(`http://127.0.0.1:${fixture.status.rawListening}/raw`, {
          traceparent: `00-${traceId}-${PARENT_SPAN_ID}-01`,
        }),
      ),
    );
    // The batch processor waits 5 s by default: these spans reach the receiver only because
    // the shutdown hook flushes them.
    exitCode = await fixture.stop();
    spans = receiver.jsonSpans();
  });
  afterAll(async () => {
    await receiver?.close();
    await new Promise((resolve) => downstream.close(resolve));
  });

  const spanFor = (path: string) => spans.find((span) => span.attributes['url.path'] === path);

  it('started the SDK from the preload entry and flushed spans at shutdown', () => {
    expect(fixture.status).toMatchObject({ tracing: true, httpPatched: true });
    expect(exitCode).toBe(0);
    expect(receiver.exports.every((received) => received.path === '/v1/traces')).toBe(true);
    expect(spans.length).toBeGreaterThanOrEqual(6);
  });

  it('continues the incoming traceparent and carries OTEL_SERVICE_NAME', () => {
    const span = spanFor('/items/42');
    expect(span).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_SPAN_ID, kind: 2 });
    expect(span?.resource['service.name']).toBe(`notes-${adapter}`);
  });

  it('drops incoming baggage at the edge: not in the request context, not forwarded', () => {
    expect(responses.item?.body.baggage).toBeNull();
    expect(downstreamBaggage).toEqual([undefined]);
  });

  it('names spans by route template, never by raw path', () => {
    expect(spanFor('/items/42')).toMatchObject({
      name: 'GET /items/:id',
      attributes: { 'http.route': '/items/:id' },
    });
    expect(spanFor('/items/admin/reports')?.name).toBe('GET /items/admin/reports');
    expect(spanFor('/nothing/here/7')?.name).toBe('GET');
    expect(spans.map((span) => span.name).join(' ')).not.toMatch(/42|nothing/);
  });

  it('puts the trace id and span id on the log lines of the request (@bulwark/logging)', () => {
    const span = spanFor('/items/42');
    const logLine = fixture.lines.find((line) => line.msg === 'item served');
    expect(logLine).toMatchObject({ path: '/items/42', trace_id: TRACE_ID, span_id: span?.spanId });
    const accessLine = fixture.lines.find(
      (line) =>
        line.msg === 'request completed' && line.route === '/items/:id' && line.status === 200,
    );
    expect(accessLine).toMatchObject({ trace_id: TRACE_ID, span_id: span?.spanId });
    expect(responses.item?.body.correlation).toEqual({ trace_id: TRACE_ID, span_id: span?.spanId });
  });

  it('keeps the span active in a handler that read a body, and traces its outgoing call', () => {
    expect(created.status).toBe(201);
    const server = spans.find((span) => span.name === 'POST /items');
    expect(server).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_SPAN_ID, kind: 2 });
    // The body's end arrived 50 ms after the request event: the handler still ran in the
    // request's span.
    expect(created.body.correlation).toEqual({ trace_id: TRACE_ID, span_id: server?.spanId });
    const client = spans.find((span) => span.kind === 3);
    expect(client).toMatchObject({ traceId: TRACE_ID, parentSpanId: server?.spanId });
    expect(downstreamTraceparents).toEqual([`00-${TRACE_ID}-${client?.spanId}-01`]);
  });

  it('keeps each request its own span on a plain node:http server until its body has ended', () => {
    expect(rawPosts.map((post) => post.body.length)).toEqual([20_011, 20_011]);
    for (const [index, traceId] of RAW_TRACE_IDS.entries()) {
      const server = spans.find((span) => span.traceId === traceId);
      expect(server).toMatchObject({ kind: 2, parentSpanId: PARENT_SPAN_ID });
      expect(server?.attributes['url.path']).toBe('/raw');
      expect(rawPosts[index]?.body.correlation).toEqual({
        trace_id: traceId,
        span_id: server?.spanId,
      });
    }
  });

  it('records the type and scrubbed message of a 5xx exception, with status ERROR and no stack', () => {
    expect(responses.broken?.status).toBe(500);
    const span = spanFor('/items/42/broken');
    expect(span?.status).toEqual({ code: 2, message: SCRUBBED_MESSAGE });
    expect(span?.attributes['error.type']).toBe('DatabaseError');
    expect(span?.events).toEqual([
      {
        name: 'exception',
        attributes: { 'exception.type': 'DatabaseError', 'exception.message': SCRUBBED_MESSAGE },
      },
    ]);
  });

  // Regression: the logs hid a path segment longer than 32 characters, while the span
  // exported it as url.path.
  it('exports url.path with segments longer than 32 characters hidden, as the logs do', () => {
    expect(responses.resetLink?.status).toBe(200);
    const span = spans.find(
      (candidate) => candidate.attributes['url.path'] === '/items/[REDACTED]',
    );
    expect(span?.attributes['http.route']).toBe('/items/:id');
    expect(spanFor('/items/42')).toBeDefined();
    const exported = Buffer.concat(receiver.exports.map((received) => received.body));
    expect(exported.includes(RESET_TOKEN)).toBe(false);
  });

  it('exports neither the secret nor the token the exception quoted, anywhere', () => {
    const exported = Buffer.concat(receiver.exports.map((received) => received.body));
    expect(exported.includes(DATABASE_PASSWORD)).toBe(false);
    expect(exported.includes(TOKEN)).toBe(false);
    expect(exported.includes('exception.stacktrace')).toBe(false);
    expect(exported.includes('tracing.e2e-spec')).toBe(false);
  });

  it('records a thrown value that cannot be turned into a string, and keeps serving', () => {
    expect(responses.odd?.status).toBe(500);
    expect(spanFor('/items/42/odd')?.events).toEqual([
      {
        name: 'exception',
        attributes: { 'exception.type': 'object', 'exception.message': '[object Object]' },
      },
    ]);
    expect(responses.allowed?.status).toBe(200);
  });

  it('records an exception a guard threw, with status ERROR', () => {
    expect(responses.guardFailed?.status).toBe(500);
    const span = spans.find(
      (candidate) =>
        candidate.attributes['url.path'] === '/items/admin/reports' &&
        candidate.attributes['http.response.status_code'] === 500,
    );
    expect(span?.status).toMatchObject({ code: 2, message: 'role store unreachable' });
    expect(span?.events.map((event) => event.attributes['exception.message'])).toEqual([
      'role store unreachable',
    ]);
  });

  it('leaves the status unset for client errors', () => {
    const denied = spans.find(
      (candidate) =>
        candidate.attributes['url.path'] === '/items/admin/reports' &&
        candidate.attributes['http.response.status_code'] === 403,
    );
    expect(denied?.status.code ?? 0).toBe(0);
    expect(denied?.events).toEqual([]);
  });

  it('adds the principal id when configured, also on requests a guard refused', () => {
    expect(spanFor('/items/42')?.attributes['user.id']).toBe('https://issuer.test|alice');
    const denied = spans.find(
      (span) =>
        span.attributes['url.path'] === '/items/admin/reports' &&
        span.attributes['http.response.status_code'] === 403,
    );
    expect(denied?.attributes['user.id']).toBe('https://issuer.test|bob');
  });

  // open-telemetry/opentelemetry-js-contrib#633: instrumentation replaced route handlers, the
  // metadata that role guards read was lost, and every role check passed.
  it('regression #633: a role guard reading handler metadata still denies with tracing on', () => {
    expect(responses.denied?.status).toBe(403);
    expect(responses.allowed).toEqual({ status: 200, body: { reports: [] } });
  });
});

describe.each(ADAPTERS)(
  'on %s with OTEL_BULWARK_RECORD_STACKS=true and OTEL_PROPAGATE_INCOMING_BAGGAGE=true',
  (adapter) => {
    let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
    let spans: ReceivedSpan[];
    let item: Record<string, unknown>;
    let brokenStatus: number;
    const downstreamBaggage: (string | undefined)[] = [];
    const downstream = createServer((request, response) => {
      downstreamBaggage.push(request.headers.baggage as string | undefined);
      response.end('ok');
    });

    beforeAll(async () => {
      await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
      receiver = await startOtlpReceiver();
      const fixture = await startFixture(adapter, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BULWARK_RECORD_STACKS: 'true',
        OTEL_PROPAGATE_INCOMING_BAGGAGE: 'true',
        FIXTURE_DOWNSTREAM: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/audit`,
      });
      try {
        const headers = { baggage: 'tenant=acme' };
        item = (await (await fetch(`${fixture.url}/items/7`, { headers })).json()) as Record<
          string,
          unknown
        >;
        const broken = await fetch(`${fixture.url}/items/7/broken`);
        brokenStatus = broken.status;
        await broken.arrayBuffer();
        expect((await postInTwoParts(`${fixture.url}/items`, headers)).status).toBe(201);
      } finally {
        expect(await fixture.stop()).toBe(0);
      }
      spans = receiver.jsonSpans();
    });
    afterAll(async () => {
      await receiver?.close();
      await new Promise((resolve) => downstream.close(resolve));
    });

    it('records the stack of a 5xx exception, scrubbed like its message', () => {
      expect(brokenStatus).toBe(500);
      const span = spans.find(
        (candidate) => candidate.attributes['url.path'] === '/items/7/broken',
      );
      const [event] = span?.events ?? [];
      expect(event?.attributes).toMatchObject({
        'exception.type': 'DatabaseError',
        'exception.message': SCRUBBED_MESSAGE,
      });
      const stack = String(event?.attributes['exception.stacktrace']);
      // The class sets no name of its own: V8 heads the stack with the inherited `Error`.
      expect(stack.startsWith(`Error: ${SCRUBBED_MESSAGE}\n    at `)).toBe(true);
      expect(stack).toContain('app.mjs');
      const exported = Buffer.concat(receiver.exports.map((received) => received.body));
      expect(exported.includes(DATABASE_PASSWORD)).toBe(false);
      expect(exported.includes(TOKEN)).toBe(false);
    });

    it('keeps incoming baggage in the request context and forwards it downstream', () => {
      expect(item.baggage).toBe('acme');
      expect(downstreamBaggage).toEqual(['tenant=acme']);
    });
  },
);

describe('tracing exported as OTLP http/protobuf', () => {
  it('sends protobuf carrying the service name and the continued trace id', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const fixture = await startFixture('fastify', {
        OTEL_SERVICE_NAME: 'notes-protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      });
      await (
        await fetch(`${fixture.url}/items/1`, {
          headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
        })
      ).arrayBuffer();
      expect(await fixture.stop()).toBe(0);
      const [received] = receiver.exports;
      expect(received?.headers['content-type']).toBe('application/x-protobuf');
      // Protobuf carries ids as raw bytes and strings as UTF-8; no decoder needed to find them.
      expect(received?.body.includes(Buffer.from(TRACE_ID, 'hex'))).toBe(true);
      expect(received?.body.includes(Buffer.from('notes-protobuf'))).toBe(true);
      expect(received?.body.includes(Buffer.from('GET /items/:id'))).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe('with OTEL_TRACES_EXPORTER=none', () => {
  it('starts no SDK, patches nothing, exports nothing, and guards still deny', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const fixture = await startFixture('express', {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      });
      expect(fixture.status).toEqual({
        listening: expect.any(Number),
        rawListening: expect.any(Number),
        tracing: false,
        httpPatched: false,
        otelGlobal: false,
      });
      const item = await fetch(`${fixture.url}/items/1`, {
        headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
      });
      expect(await item.json()).toEqual({ correlation: null, baggage: null });
      const logLine = fixture.lines.find((line) => line.msg === 'item served');
      expect(logLine).toMatchObject({ path: '/items/1' });
      expect(logLine).not.toHaveProperty('trace_id');
      expect((await fetch(`${fixture.url}/items/admin/reports`)).status).toBe(403);
      expect(await fixture.stop()).toBe(0);
      expect(receiver.exports).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});
