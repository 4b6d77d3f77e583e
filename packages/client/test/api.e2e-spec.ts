import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, type LoggerService } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClient, ServiceCallError, type ServiceClient } from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';
import {
  type IdentityProvider,
  KEY_CLIENT_ID,
  ORDERS_AUDIENCE,
  startIdentityProvider,
} from './support/identity-provider.js';

class OrderDto {
  @IsInt()
  id!: number;

  @IsString()
  item!: string;
}

let server: Downstream;
const clients: ServiceClient[] = [];

beforeAll(async () => {
  server = await startDownstream((request, response) => {
    const path = request.path.split('?')[0];
    if (path === '/order') return json(response, 200, { id: 7, item: 'book' });
    if (path === '/order-extra') return json(response, 200, { id: 7, item: 'book', admin: true });
    if (path === '/busy') {
      const busy = server.seen.filter((seen) => seen.path === '/busy').length;
      return busy === 1
        ? json(response, 429, {}, { 'retry-after': '0' })
        : json(response, 200, { ok: true });
    }
    if (path === '/empty') return response.writeHead(204).end();
    if (path === '/text') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      return response.end('plain words');
    }
    json(response, 200, { method: request.method, body: request.body, path: request.path });
  });
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});
afterAll(() => server.close());

async function client(): Promise<ServiceClient> {
  const created = await createServiceClient({
    name: 'orders',
    baseUrl: server.url,
    env: {},
    retry: { baseDelayMs: 0 },
  });
  clients.push(created);
  return created;
}

describe('the call surface', () => {
  it('sends PUT, PATCH and DELETE, and request() returns status and headers', async () => {
    const orders = await client();
    expect(await orders.put('/a', { x: 1 })).toMatchObject({ method: 'PUT', body: '{"x":1}' });
    expect(await orders.patch('/a', 'raw text')).toMatchObject({
      method: 'PATCH',
      body: 'raw text',
    });
    expect(await orders.delete('/a', { query: { hard: true } })).toMatchObject({
      method: 'DELETE',
      path: '/a?hard=true',
    });
    const response = await orders.request('GET', '/empty');
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(await orders.get('/text', { responseType: 'text' })).toBe('plain words');
  });

  it('refuses a body that is not JSON when JSON is expected', async () => {
    const orders = await client();
    const error = (await orders
      .get('/text')
      .catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error.code).toBe('invalid_response');
  });

  it('validates with a DTO class and refuses properties it does not declare', async () => {
    const orders = await client();
    const order = await orders.get('/order', { validate: OrderDto });
    expect(order).toBeInstanceOf(OrderDto);
    expect(order).toEqual({ id: 7, item: 'book' });
    const error = (await orders
      .get('/order-extra', { validate: OrderDto })
      .catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error.code).toBe('invalid_response');
    expect(error.message).toBe('orders: the response fails OrderDto (admin)');
  });

  it('retries a 429 that carries Retry-After', async () => {
    const orders = await client();
    expect(await orders.get('/busy')).toEqual({ ok: true });
    expect(server.seen.filter((seen) => seen.path === '/busy')).toHaveLength(2);
  });

  it('refuses headers the client owns', async () => {
    const orders = await client();
    await expect(orders.get('/a', { headers: { Authorization: 'Bearer stolen' } })).rejects.toThrow(
      'headers.Authorization: cannot be set on a call: the client sets it.',
    );
  });

  it('logs one line per failed call, without the query string', async () => {
    const lines: unknown[] = [];
    const capture: LoggerService = {
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown) => lines.push(message),
    };
    Logger.overrideLogger(capture);
    try {
      const orders = await client();
      await orders.get('http://127.0.0.1:1/x').catch(() => undefined);
      await orders.get('/text', { query: { token: 'secret-in-query' } }).catch(() => undefined);
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'service call failed',
        client: 'orders',
        reason: 'destination_refused',
        status: 502,
      }),
      expect.objectContaining({
        client: 'orders',
        method: 'GET',
        path: '/text',
        reason: 'invalid_response',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-in-query');
  });
});

describe('private_key_jwt with a PEM key file', () => {
  let idp: IdentityProvider;
  let dir: string;
  beforeAll(async () => {
    idp = await startIdentityProvider();
    dir = mkdtempSync(join(tmpdir(), 'bulwark-client-pem-'));
  });
  afterAll(async () => {
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs with a PKCS #8 PEM and the configured keyId', async () => {
    const pem = createPrivateKey({ key: idp.clientPrivateJwk as never, format: 'jwk' }).export({
      type: 'pkcs8',
      format: 'pem',
    });
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, pem);
    const orders = await createServiceClient({
      name: 'orders',
      baseUrl: server.url,
      audience: ORDERS_AUDIENCE,
      auth: { kind: 'clientCredentials', keyId: 'client-key-1', scope: 'orders:read' },
      env: {
        AUTH_TOKEN_URL: idp.tokenUrl,
        AUTH_CLIENT_ID: KEY_CLIENT_ID,
        AUTH_CLIENT_KEY_FILE: keyFile,
      },
    });
    clients.push(orders);
    await orders.get('/pem');
    const sent = server.seen.at(-1)?.headers.authorization ?? '';
    expect(decodeJwt(sent.replace(/^Bearer /, ''))).toMatchObject({
      client_id: KEY_CLIENT_ID,
      scope: 'orders:read',
    });
  });

  it('fails at creation on a key file that is not a private key, naming AUTH_CLIENT_KEY_FILE', async () => {
    const keyFile = join(dir, 'not-a-key.pem');
    writeFileSync(keyFile, 'hello');
    await expect(
      createServiceClient({
        name: 'orders',
        baseUrl: server.url,
        audience: ORDERS_AUDIENCE,
        auth: { kind: 'clientCredentials' },
        env: {
          AUTH_TOKEN_URL: idp.tokenUrl,
          AUTH_CLIENT_ID: KEY_CLIENT_ID,
          AUTH_CLIENT_KEY_FILE: keyFile,
        },
      }),
    ).rejects.toThrow(
      /^AUTH_CLIENT_KEY_FILE: is not a usable private key \(option auth\.keyFile\)/,
    );
  });
});
