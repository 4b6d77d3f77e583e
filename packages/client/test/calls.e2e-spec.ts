import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceClient,
  ServiceCallError,
  type ServiceClient,
  type ServiceClientOptions,
} from '../src/index.js';
import { type Downstream, type Handler, json, startDownstream } from './support/downstream.js';

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

/** A TCP server that accepts and then says nothing: a TLS handshake on it never ends. */
async function silentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port };
}

describe('responses', () => {
  it('sends JSON, reads JSON, and types it with a validator function', async () => {
    const server = await downstream((request, response) =>
      json(response, 201, { echo: JSON.parse(request.body), method: request.method }),
    );
    const orders = await client({ baseUrl: server.url });
    const body = await orders.post(
      '/orders',
      { item: 'book' },
      {
        validate: (value) => value as { echo: unknown; method: string },
      },
    );
    expect(body).toEqual({ echo: { item: 'book' }, method: 'POST' });
    expect(server.seen[0]?.headers['content-type']).toBe('application/json');
  });

  it('refuses a body the validator refuses, as a 502 invalid_response', async () => {
    const server = await downstream((_, response) => json(response, 200, { count: 'many' }));
    const orders = await client({ baseUrl: server.url });
    const error = await failure(
      orders.get('/count', {
        validate: (value) => {
          if (typeof (value as { count: unknown }).count !== 'number')
            throw new TypeError('count is not a number');
          return value;
        },
      }),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.getStatus()).toBe(502);
  });

  it('turns a downstream 401 into our 502 without its status or any byte of its body', async () => {
    const server = await downstream((_, response) =>
      json(
        response,
        401,
        { secret: 'downstream-internal-detail' },
        { 'www-authenticate': 'Bearer' },
      ),
    );
    const orders = await client({ baseUrl: server.url });
    const error = await failure(orders.get('/orders/1'));
    expect(error.getStatus()).toBe(502);
    expect(error.downstreamStatus).toBe(401);
    expect(error.code).toBe('downstream_status');
    expect(JSON.stringify(error.getResponse())).not.toContain('downstream-internal-detail');
    expect(error.message).not.toContain('downstream-internal-detail');
    expect(error.getResponse()).toEqual({
      type: 'urn:bulwark:problem:upstream-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'A service this request depends on failed.',
    });
  });

  it('refuses a response over maxResponseBytes, declared or streamed', async () => {
    const big = 'x'.repeat(4096);
    const server = await downstream((request, response) => {
      if (request.path === '/declared') return json(response, 200, { big });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"big":"');
      response.write(big);
      response.end('"}');
    });
    const orders = await client({ baseUrl: server.url, maxResponseBytes: 1024 });
    expect((await failure(orders.get('/declared'))).code).toBe('response_too_large');
    expect((await failure(orders.get('/streamed'))).code).toBe('response_too_large');
  });
});

describe('deadlines', () => {
  it('gives up on a server that stalls in the TLS handshake after connectMs', async () => {
    const { port } = await silentServer();
    const orders = await client({
      baseUrl: `https://127.0.0.1:${port}`,
      timeouts: { connectMs: 100, headersMs: 5000, totalMs: 5000 },
      retry: { attempts: 0 },
    });
    const error = await failure(orders.get('/x'));
    expect(error.code).toBe('deadline');
    expect(error.getStatus()).toBe(504);
  });

  it('gives up on a server that never sends headers after headersMs', async () => {
    const server = await downstream(() => undefined);
    const orders = await client({
      baseUrl: server.url,
      timeouts: { headersMs: 100, totalMs: 5000 },
      retry: { attempts: 0 },
    });
    const error = await failure(orders.get('/x'));
    expect(error.code).toBe('deadline');
    expect(error.getResponse()).toMatchObject({ status: 504, title: 'Gateway Timeout' });
  });

  it('gives up on a server that stalls mid-body at the total deadline', async () => {
    const server = await downstream((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    });
    const orders = await client({
      baseUrl: server.url,
      timeouts: { totalMs: 200 },
      retry: { attempts: 0 },
    });
    expect((await failure(orders.get('/x'))).code).toBe('deadline');
  });

  it('has no way to get no timeout: a per-call timeoutMs of 0, negative, fractional or Infinity is refused before sending', async () => {
    const server = await downstream((_, response) => json(response, 200, {}));
    const orders = await client({ baseUrl: server.url, retry: { attempts: 0 } });
    for (const timeoutMs of [0, -1, 1.5, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(orders.get('/x', { timeoutMs }), String(timeoutMs)).rejects.toThrow(
        new TypeError('timeoutMs: must be a positive integer of milliseconds'),
      );
    }
    expect(server.hits).toBe(0);
  });

  it('caps a per-call timeoutMs at the client’s totalMs', async () => {
    const server = await downstream(() => undefined);
    const orders = await client({
      baseUrl: server.url,
      timeouts: { totalMs: 200 },
      retry: { attempts: 0 },
    });
    expect((await failure(orders.get('/x', { timeoutMs: 600_000 }))).code).toBe('deadline');
  });

  it('stops at the caller’s signal', async () => {
    const server = await downstream(() => undefined);
    const orders = await client({ baseUrl: server.url, retry: { attempts: 0 } });
    const controller = new AbortController();
    const call = failure(orders.get('/x', { signal: controller.signal }));
    await expect.poll(() => server.hits).toBe(1);
    controller.abort();
    expect((await call).code).toBe('deadline');
  });
});

describe('retries', () => {
  it('retries an idempotent GET after 503 and 502, then succeeds: three hits', async () => {
    const server = await downstream((_, response) => {
      if (server.hits === 1) return json(response, 503, {});
      if (server.hits === 2) return json(response, 502, {});
      json(response, 200, { ok: true });
    });
    const orders = await client({ baseUrl: server.url, retry: { baseDelayMs: 0 } });
    expect(await orders.get('/x')).toEqual({ ok: true });
    expect(server.hits).toBe(3);
    expect(orders.retries).toBe(2);
  });

  it('stops after two retries', async () => {
    const server = await downstream((_, response) => json(response, 503, {}));
    const orders = await client({ baseUrl: server.url, retry: { baseDelayMs: 0 } });
    const error = await failure(orders.get('/x'));
    expect(error.downstreamStatus).toBe(503);
    expect(server.hits).toBe(3);
  });

  it('does not retry a POST, nor a 500', async () => {
    const server = await downstream((request, response) =>
      json(response, request.path === '/boom' ? 500 : 503, {}),
    );
    const orders = await client({ baseUrl: server.url, retry: { baseDelayMs: 0 } });
    await failure(orders.post('/x', { a: 1 }));
    await failure(orders.get('/boom'));
    expect(server.hits).toBe(2);
  });

  it('retries a POST that carries an Idempotency-Key, sending the same key', async () => {
    const server = await downstream((_, response) =>
      server.hits === 1 ? json(response, 503, {}) : json(response, 200, { ok: true }),
    );
    const orders = await client({ baseUrl: server.url, retry: { baseDelayMs: 0 } });
    await orders.post('/payments', { amount: 1 }, { idempotencyKey: 'key-1' });
    expect(server.seen.map((request) => request.headers['idempotency-key'])).toEqual([
      'key-1',
      'key-1',
    ]);
  });

  it('does not wait for a Retry-After beyond the deadline', async () => {
    const server = await downstream((_, response) =>
      json(response, 503, {}, { 'retry-after': '3600' }),
    );
    const orders = await client({ baseUrl: server.url, retry: { baseDelayMs: 0 } });
    await failure(orders.get('/x'));
    expect(server.hits).toBe(1);
  });

  it('honours a Retry-After that fits in the deadline, and not one that does not', async () => {
    const server = await downstream((_, response) =>
      server.hits % 2 === 1
        ? json(response, 503, {}, { 'retry-after': '1' })
        : json(response, 200, { ok: true }),
    );
    const orders = await client({ baseUrl: server.url, retry: { baseDelayMs: 0 } });
    expect(await orders.get('/x')).toEqual({ ok: true });
    expect(server.hits).toBe(2);
    await failure(orders.get('/x', { timeoutMs: 500 }));
    expect(server.hits).toBe(3);
  });

  it('keeps an always-failing downstream at calls + 20 % + 3 hits under the retry budget', async () => {
    const server = await downstream((_, response) => json(response, 503, {}));
    const now = 1_000_000;
    const orders = await client({
      baseUrl: server.url,
      retry: { baseDelayMs: 0 },
      breaker: { consecutiveFailures: 1000 },
      now: () => now,
    });
    for (let index = 0; index < 50; index += 1) await failure(orders.get('/x'));
    // Without the budget: 50 × 3 = 150 hits.
    expect(server.hits).toBe(50 + 10 + 3);
    expect(orders.retries).toBe(13);
    // Every call after the first asked once more and was refused.
    expect(orders.budgetExhausted).toBe(49);
  });

  it('retries a refused connection', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = await startDownstream(() => undefined);
    const closedPort = closed.port;
    await closed.close();
    const orders = await client({
      baseUrl: `http://127.0.0.1:${closedPort}`,
      retry: { baseDelayMs: 0 },
    });
    const error = await failure(orders.get('/x'));
    expect(error.code).toBe('connect');
    expect(orders.retries).toBe(2);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures and then fails fast with a 503 and Retry-After, without calling', async () => {
    const server = await downstream((_, response) => json(response, 500, {}));
    const orders = await client({
      baseUrl: server.url,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 30_000 },
    });
    for (let index = 0; index < 3; index += 1) await failure(orders.get('/x'));
    expect(server.hits).toBe(3);
    const error = await failure(orders.get('/x'));
    expect(error.code).toBe('breaker_open');
    expect(error.getStatus()).toBe(503);
    expect(error.headers).toEqual({ 'retry-after': '30' });
    expect(server.hits).toBe(3);
    expect(orders.breakerOpen).toBe(true);
  });

  it('is not opened by 4xx answers', async () => {
    const server = await downstream((_, response) => json(response, 404, {}));
    const orders = await client({ baseUrl: server.url, breaker: { consecutiveFailures: 2 } });
    for (let index = 0; index < 4; index += 1) {
      expect((await failure(orders.get('/x'))).downstreamStatus).toBe(404);
    }
    expect(server.hits).toBe(4);
  });
});
