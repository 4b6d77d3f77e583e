import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestIssuer } from '@bulwark/testing';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceClient,
  ServiceCallError,
  type ServiceClient,
  type ServiceClientOptions,
} from '../src/index.js';
import { type Downstream, type Handler, json, startDownstream } from './support/downstream.js';

// The per-call path: one deadline timer cleared at the end of every call, the exchange read
// straight from undici's dispatcher, and spans only while an SDK is registered.

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function downstream(handler: Handler): Promise<Downstream> {
  const started = await startDownstream(handler);
  cleanup.push(() => started.close());
  return started;
}

async function client(
  options: Partial<ServiceClientOptions> & { baseUrl: string },
): Promise<ServiceClient> {
  const created = await createServiceClient({ name: 'orders', env: {}, ...options });
  cleanup.push(() => created.close());
  return created;
}

async function failure(call: Promise<unknown>): Promise<ServiceCallError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ServiceCallError);
  return error as ServiceCallError;
}

/** Timers that keep the process alive (the deadline's are; undici's own are not). */
const liveTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('the deadline of a call', () => {
  it('leaves no timer behind after calls that succeed, fail, time out or are aborted', async () => {
    const server = await downstream((request, response) => {
      if (request.path === '/ok') return json(response, 200, { ok: true });
      if (request.path === '/fail') return json(response, 500, { detail: 'no' });
      if (request.path === '/stall') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"partial":');
      }
    });
    const orders = await client({ baseUrl: server.url, retry: { attempts: 0 } });
    await orders.get('/ok');
    const before = liveTimers();
    for (let index = 0; index < 20; index += 1) await orders.get('/ok');
    expect((await failure(orders.get('/fail'))).code).toBe('downstream_status');
    const late = await failure(orders.get('/stall', { timeoutMs: 50 }));
    expect(late.code).toBe('deadline');
    expect(late.getStatus()).toBe(504);
    const controller = new AbortController();
    const aborted = failure(orders.get('/stall', { signal: controller.signal }));
    await expect.poll(() => server.hits).toBe(24);
    controller.abort();
    expect((await aborted).code).toBe('deadline');
    // Other timers of the test process may end meanwhile; a deadline timer left behind per call
    // would add 23 here.
    expect(liveTimers()).toBeLessThanOrEqual(before);
  });

  it('listens to an incoming connection once for all the calls made for it, and ends them all when it closes', async () => {
    const server = await downstream(() => undefined);
    const orders = await client({ baseUrl: server.url, retry: { attempts: 0 } });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    cleanup.push(async () => void process.off('warning', onWarning));
    let listening: { before: number; during: number } | undefined;
    let outcomes: Promise<string[]> | undefined;
    const front = createHttpServer((request) => {
      const before = request.socket.listenerCount('close');
      const calls = Array.from({ length: 20 }, (_, index) =>
        failure(orders.get(`/fan/${index}`, { request })).then((error) => error.code),
      );
      listening = { before, during: request.socket.listenerCount('close') };
      outcomes = Promise.all(calls);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => front.close(() => resolve())));
    const port = (front.address() as { port: number }).port;
    const caller = new AbortController();
    cleanup.push(async () => caller.abort());
    const sent = fetch(`http://127.0.0.1:${port}/`, { signal: caller.signal }).catch(() => null);
    await expect.poll(() => server.hits, { timeout: 30_000 }).toBe(20);
    // Twenty calls in flight: one listener for them all, so no MaxListenersExceededWarning.
    expect(listening?.during).toBe((listening?.before ?? 0) + 1);
    caller.abort();
    await sent;
    expect(await outcomes).toEqual(Array(20).fill('deadline'));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('listens once to a signal shared by many calls, and ends them all when it aborts', async () => {
    const server = await downstream(() => undefined);
    const orders = await client({ baseUrl: server.url, retry: { attempts: 0 } });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    cleanup.push(async () => void process.off('warning', onWarning));
    const shutdown = new AbortController();
    cleanup.push(async () => shutdown.abort());
    const calls = Array.from({ length: 20 }, (_, index) =>
      failure(orders.get(`/fan/${index}`, { signal: shutdown.signal })).then((error) => error.code),
    );
    await expect.poll(() => server.hits, { timeout: 30_000 }).toBe(20);
    // AbortSignal.any() added no listener to its sources; one per call would pass MaxListeners.
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    shutdown.abort();
    expect(await Promise.all(calls)).toEqual(Array(20).fill('deadline'));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('ends a call still waiting for its connection at its deadline, not at connectMs', async () => {
    // A TCP server that accepts and says nothing: the TLS handshake never ends.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const orders = await createServiceClient({
      name: 'orders',
      env: {},
      baseUrl: `https://127.0.0.1:${port}`,
      timeouts: { connectMs: 600_000, headersMs: 600_000, totalMs: 600_000 },
      retry: { attempts: 0 },
    });
    // Hang up first: closing the client waits for the handshake undici still has in flight
    // (on a loaded machine the server may see that connection only after the call has ended).
    cleanup.push(async () => {
      await expect.poll(() => sockets.size, { timeout: 30_000 }).toBeGreaterThan(0);
      for (const socket of sockets) socket.destroy();
      await orders.close();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const error = await failure(orders.get('/x', { timeoutMs: 100 }));
    expect(error.code).toBe('deadline');
    expect(error.getStatus()).toBe(504);
    expect((error.cause as Error).name).toBe('TimeoutError');
  });
});

describe('the exchange', () => {
  it('reassembles a 2xx body sent in many chunks, byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 64 * 1024 }, (_, index) => index % 251));
    const server = await downstream((_, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      let offset = 0;
      const next = () => {
        if (offset >= bytes.length) return void response.end();
        response.write(bytes.subarray(offset, offset + 1000));
        offset += 1000;
        setImmediate(next);
      };
      next();
    });
    const orders = await client({ baseUrl: server.url });
    const body = await orders.get<Buffer>('/blob', { responseType: 'bytes' });
    expect(Buffer.compare(body, bytes)).toBe(0);
  });

  it('reads and drops an error body on the same connection, and hangs up on a huge one', async () => {
    const ports: number[] = [];
    const server = await downstream((request, response, raw) => {
      ports.push(raw.socket.remotePort as number);
      if (request.path === '/missing') return json(response, 404, { detail: 'x'.repeat(10_000) });
      if (request.path === '/huge') {
        return json(response, 500, { detail: 'x'.repeat(300 * 1024) });
      }
      json(response, 200, { path: request.path });
    });
    const orders = await client({ baseUrl: server.url, retry: { attempts: 0 } });
    for (let round = 0; round < 6; round += 1) {
      expect((await failure(orders.get('/missing'))).downstreamStatus).toBe(404);
      expect(await orders.get(`/${round}`)).toEqual({ path: `/${round}` });
    }
    // Error bodies are read to their end and the connection goes back to the pool (undici may
    // open a second one while the first is being released); dropped connections would be 12.
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
    const huge = await failure(orders.get('/huge'));
    expect(huge.code).toBe('downstream_status');
    expect(huge.downstreamStatus).toBe(500);
    expect(JSON.stringify(huge.getResponse())).not.toContain('xxxx');
    expect(await orders.get('/three')).toEqual({ path: '/three' });
  });

  it('answers with the status of an error answer whose body is cut short, as undici’s request() did', async () => {
    const server = await downstream((_, response, raw) => {
      response.writeHead(404, {
        'content-type': 'application/problem+json',
        'content-length': '100',
      });
      response.write('{"detail":"sec');
      setTimeout(() => raw.socket.destroy(), 20);
    });
    const orders = await client({ baseUrl: server.url, retry: { attempts: 2 } });
    const gone = await failure(orders.get('/gone'));
    // A 404 is not retried; a cut body is not a failed connection that would be.
    expect(gone.code).toBe('downstream_status');
    expect(gone.downstreamStatus).toBe(404);
    expect(gone.getStatus()).toBe(502);
    expect(server.hits).toBe(1);
    expect(JSON.stringify(gone.getResponse())).not.toContain('sec');
  });

  it('answers a HEAD whose declared length is over maxResponseBytes, since no body comes', async () => {
    const server = await downstream((request, response) => {
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(4 * 1024 * 1024),
      });
      if (request.method === 'HEAD') return void response.end();
      response.flushHeaders();
    });
    const files = await client({ baseUrl: server.url, maxResponseBytes: 1024 });
    const head = await files.request('HEAD', '/big', { responseType: 'bytes' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(4 * 1024 * 1024));
    expect((await failure(files.get('/big'))).code).toBe('response_too_large');
  });

  it('keeps a call’s own headers to that call', async () => {
    const server = await downstream((_, response) => json(response, 200, {}));
    const orders = await client({ baseUrl: server.url });
    await orders.get('/a', { headers: { 'x-extra': '1' } });
    await orders.get('/b');
    await orders.post('/c', { c: 1 });
    await orders.get('/d');
    expect(server.seen.map((seen) => seen.headers.accept)).toEqual(
      Array(4).fill('application/json'),
    );
    expect(server.seen.map((seen) => seen.headers['x-extra'])).toEqual([
      '1',
      undefined,
      undefined,
      undefined,
    ]);
    expect(server.seen.map((seen) => seen.headers['content-type'])).toEqual([
      undefined,
      undefined,
      'application/json',
      undefined,
    ]);
    expect(server.seen.map((seen) => seen.headers.authorization)).toEqual(Array(4).fill(undefined));
  });

  it('sends a GET’s new token after a 401 invalid_token, and keeps sending it', async () => {
    const issuer = await createTestIssuer({ audience: 'https://orders.test' });
    cleanup.push(() => issuer.close());
    issuer.registerClient({ clientId: 'caller', secret: 'caller-secret-for-the-tests-only' });
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-client-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'secret'), 'caller-secret-for-the-tests-only');
    let refuse = 1;
    const server = await downstream((_, response) => {
      if (refuse > 0) {
        refuse -= 1;
        response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
        return;
      }
      json(response, 200, { ok: true });
    });
    const orders = await client({
      baseUrl: server.url,
      audience: 'https://orders.test',
      auth: { kind: 'clientCredentials' },
      env: {
        AUTH_TOKEN_URL: issuer.tokenUrl,
        AUTH_CLIENT_ID: 'caller',
        AUTH_CLIENT_SECRET_FILE: join(dir, 'secret'),
      },
    });
    expect(await orders.get('/a')).toEqual({ ok: true });
    expect(await orders.get('/b')).toEqual({ ok: true });
    const sent = server.seen.map((seen) => String(seen.headers.authorization));
    expect(sent).toHaveLength(3);
    expect(sent[1]).not.toBe(sent[0]);
    expect(sent[2]).toBe(sent[1]);
    expect(issuer.tokenRequests).toHaveLength(2);
  });
});

describe('spans', () => {
  it('are made from the first call after an SDK is registered, none before', async () => {
    const server = await downstream((_, response) => json(response, 200, {}));
    const orders = await client({ baseUrl: server.url });
    await orders.get('/before');
    expect(server.seen[0]?.headers.traceparent).toBeUndefined();
    const exporter = new InMemorySpanExporter();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
    cleanup.push(async () => {
      trace.disable();
      context.disable();
      propagation.disable();
    });
    await orders.get('/after');
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.kind).toBe(SpanKind.CLIENT);
    expect(server.seen[1]?.headers.traceparent).toBe(
      `00-${spans[0]?.spanContext().traceId}-${spans[0]?.spanContext().spanId}-01`,
    );
  });
});
