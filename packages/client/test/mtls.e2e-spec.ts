import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { getPeer } from '@bulwark/core';
import { tlsReloadFailures } from '@bulwark/core/tls';
import { createSecureApp } from '@bulwark/http';
import { ADAPTERS } from '@bulwark/test-harness';
import { createTestCa, type IssuedCertificate, type TestCa } from '@bulwark/testing';
import { Controller, Get, type INestApplication, Module, Req } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClient, ServiceCallError, type ServiceClient } from '../src/index.js';

let ca: TestCa;
let otherCa: TestCa;
let dir: string;
let serverCert: IssuedCertificate;
let ordersId: string;
let notesId: string;
const reached: string[] = [];
let release: (() => void) | undefined;

@Controller()
class OrdersController {
  @Get('whoami')
  whoami(@Req() request: unknown) {
    reached.push('whoami');
    const peer = getPeer(request);
    return { spiffeId: peer?.spiffeId ?? null, fingerprint: peer?.fingerprintSha256 ?? null };
  }

  @Get('slow')
  async slow(@Req() request: unknown) {
    reached.push('slow');
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return { fingerprint: getPeer(request)?.fingerprintSha256 ?? null };
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

beforeAll(() => {
  ca = createTestCa();
  otherCa = createTestCa();
  dir = mkdtempSync(join(tmpdir(), 'bulwark-client-mtls-'));
  ordersId = ca.spiffeId('shop', 'orders');
  notesId = ca.spiffeId('shop', 'notes');
  serverCert = ca.issueServer({ spiffeId: ordersId });
});
afterAll(() => {
  ca.close();
  otherCa.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Copies of a client certificate the test can rewrite, as cert-manager would. */
function clientFiles(name: string, issued: IssuedCertificate) {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  copyFileSync(issued.certFile, files.certFile);
  copyFileSync(issued.keyFile, files.keyFile);
  return files;
}

describe.each(ADAPTERS)('mTLS to a Bulwark service on %s', (adapter) => {
  let app: INestApplication;
  let baseUrl: string;
  const clients: ServiceClient[] = [];

  beforeAll(async () => {
    app = await createSecureApp(OrdersModule, {
      adapter,
      logger: false,
      env: {},
      tls: {
        certFile: serverCert.certFile,
        keyFile: serverCert.keyFile,
        clientCaFile: ca.certificateFile,
      },
    });
    await app.listen(0, '127.0.0.1');
    baseUrl = `https://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app.close());
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    reached.length = 0;
  });

  async function client(tls: Parameters<typeof createServiceClient>[0]['tls']) {
    const created = await createServiceClient({
      name: 'orders',
      baseUrl,
      env: {},
      retry: { attempts: 0 },
      tls,
    });
    clients.push(created);
    return { created };
  }

  it('presents the client certificate and checks the server is the expected SPIFFE peer', async () => {
    const notes = ca.issueClient({ spiffeId: notesId });
    const { created } = await client({
      caFile: ca.certificateFile,
      ...clientFiles(`notes-${adapter}-a`, notes),
      expectedPeer: ordersId,
    });
    expect(await created.get('/whoami')).toEqual({
      spiffeId: notesId,
      fingerprint: notes.fingerprintSha256,
    });
  });

  it('refuses a server that is not the expected peer before sending any request byte', async () => {
    const notes = ca.issueClient({ spiffeId: notesId });
    const { created } = await client({
      caFile: ca.certificateFile,
      ...clientFiles(`notes-${adapter}-b`, notes),
      expectedPeer: ca.spiffeId('shop', 'billing'),
    });
    const error = (await created
      .get('/whoami')
      .catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error).toBeInstanceOf(ServiceCallError);
    expect(error.code).toBe('peer_mismatch');
    expect(error.message).toBe(
      `orders: the server is ${ordersId}, not the expected peer ${ca.spiffeId('shop', 'billing')}`,
    );
    expect(reached).toEqual([]);
  });

  it('refuses a server whose certificate does not chain to TLS_CA_FILE', async () => {
    const notes = ca.issueClient({ spiffeId: notesId });
    const { created } = await client({
      caFile: otherCa.certificateFile,
      ...clientFiles(`notes-${adapter}-c`, notes),
    });
    const error = (await created
      .get('/whoami')
      .catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error.code).toBe('connect');
    expect(error.getStatus()).toBe(502);
    expect(reached).toEqual([]);
  });

  it('gets the service’s 401 without a client certificate, as our 502', async () => {
    const { created } = await client({ caFile: ca.certificateFile, expectedPeer: ordersId });
    const error = (await created
      .get('/whoami')
      .catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error.downstreamStatus).toBe(401);
    expect(error.getStatus()).toBe(502);
  });

  it('uses a rotated client certificate for new connections while a call in flight finishes', async () => {
    const first = ca.issueClient({ spiffeId: notesId });
    const files = clientFiles(`notes-${adapter}-e`, first);
    const { created } = await client({
      caFile: ca.certificateFile,
      ...files,
      expectedPeer: ordersId,
      reloadIntervalMs: 50,
    });
    const inFlight = created.get<{ fingerprint: string }>('/slow');
    await expect.poll(() => reached.includes('slow')).toBe(true);

    const second = ca.issueClient({ spiffeId: notesId });
    copyFileSync(second.certFile, files.certFile);
    copyFileSync(second.keyFile, files.keyFile);
    await expect.poll(() => created.tlsReloads, { timeout: 10_000 }).toBe(1);

    expect(await created.get('/whoami')).toEqual({
      spiffeId: notesId,
      fingerprint: second.fingerprintSha256,
    });
    release?.();
    expect(await inFlight).toEqual({ fingerprint: first.fingerprintSha256 });
  });

  it('keeps the previous material when the new key does not match the certificate', async () => {
    const first = ca.issueClient({ spiffeId: notesId });
    const other = ca.issueClient({ spiffeId: notesId });
    const files = clientFiles(`notes-${adapter}-f`, first);
    const { created } = await client({
      caFile: ca.certificateFile,
      ...files,
      expectedPeer: ordersId,
      reloadIntervalMs: 50,
    });
    const before = tlsReloadFailures().get('key') ?? 0;
    writeFileSync(files.keyFile, other.key);
    await expect.poll(() => created.tlsReloadFailures, { timeout: 10_000 }).toBe(1);
    expect(tlsReloadFailures().get('key')).toBe(before + 1);
    expect(created.tlsReloads).toBe(0);
    expect(await created.get('/whoami')).toEqual({
      spiffeId: notesId,
      fingerprint: first.fingerprintSha256,
    });
  });
});

describe('mTLS options', () => {
  it('fails at creation when the key does not match the certificate, naming TLS_KEY_FILE', async () => {
    const one = ca.issueClient();
    const two = ca.issueClient();
    await expect(
      createServiceClient({
        name: 'orders',
        baseUrl: 'https://127.0.0.1:1',
        env: { TLS_CERT_FILE: one.certFile, TLS_KEY_FILE: two.keyFile },
      }),
    ).rejects.toThrow(
      'TLS_KEY_FILE (option tls.keyFile): the key does not match the client certificate.',
    );
  });
});

describe('expectedPeer against a raw TLS server that counts the bytes it receives', () => {
  let server: TlsServer;
  let port: number;
  let received = 0;
  let connections = 0;

  beforeAll(async () => {
    const orders = ca.issueServer({ spiffeId: ordersId, dnsNames: ['orders.shop.svc'] });
    server = createTlsServer({ key: orders.key, cert: orders.cert }, (socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        socket.end(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
        );
      });
      socket.on('error', () => undefined);
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function call(expectedPeer: string): Promise<unknown> {
    const created = await createServiceClient({
      name: 'orders',
      baseUrl: `https://127.0.0.1:${port}`,
      env: {},
      retry: { attempts: 0 },
      tls: { caFile: ca.certificateFile, expectedPeer },
    });
    try {
      return await created.get('/orders').catch((caught: unknown) => caught);
    } finally {
      await created.close();
    }
  }

  it.each([
    ['a SPIFFE ID', () => ca.spiffeId('shop', 'billing')],
    ['a DNS name', () => 'billing.shop.svc'],
  ])(
    'refuses a server that is not %s after the handshake, before any request byte',
    async (_, peer) => {
      const before = connections;
      const error = (await call(peer())) as ServiceCallError;
      expect(error).toBeInstanceOf(ServiceCallError);
      expect(error.code).toBe('peer_mismatch');
      // The client connected and checked the server's certificate, and not one byte of the
      // request reached the server.
      expect(connections).toBe(before + 1);
      expect(received).toBe(0);
    },
  );

  it.each([
    ['its SPIFFE ID', () => ordersId],
    ['its DNS name', () => 'orders.shop.svc'],
  ])('sends the request to a server that is %s', async (_, peer) => {
    const before = received;
    expect(await call(peer())).toEqual({});
    expect(received).toBeGreaterThan(before);
  });
});

describe('certificate verification', () => {
  it('stays on when NODE_TLS_REJECT_UNAUTHORIZED=0, in production too', async () => {
    const stranger = otherCa.issueServer();
    const server = createTlsServer({ key: stranger.key, cert: stranger.cert }, (socket) => {
      socket.on('data', () =>
        socket.end(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
        ),
      );
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const created = await createServiceClient({
      name: 'orders',
      baseUrl: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
      env: { NODE_ENV: 'production', TLS_CA_FILE: ca.certificateFile },
      retry: { attempts: 0 },
    });
    try {
      const error = (await created
        .get('/orders')
        .catch((caught: unknown) => caught)) as ServiceCallError;
      expect(error).toBeInstanceOf(ServiceCallError);
      expect(error.code).toBe('connect');
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
      await created.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
