import { request } from 'node:http';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { ADAPTERS } from '@bulwark/test-harness';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureApp } from '../src/index.js';
import { PeerModule } from './tls-fixture.js';

const HASH_NEAR = 'c'.repeat(64);
const HASH_FAR = 'd'.repeat(64);
const XFCC = 'x-forwarded-client-cert';

const events: SecurityEvent[] = [];
const unsubscribe = subscribeSecurityEvents((event) => events.push(event));
afterAll(() => unsubscribe());

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends the header values as separate header lines, as a proxy chain could. */
function get(port: number, path: string, values: readonly string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
      );
    });
    if (values.length > 0)
      req.setHeader(XFCC, values.length === 1 ? (values[0] as string) : [...values]);
    req.on('error', reject);
    req.end();
  });
}

async function start(adapter: (typeof ADAPTERS)[number], trustProxy: string) {
  const app = await createSecureApp(PeerModule, {
    adapter,
    logger: false,
    env: { TRUST_PROXY: trustProxy, PEER_IDENTITY_HEADER: 'X-Forwarded-Client-Cert' },
  });
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}

describe.each(ADAPTERS)('x-forwarded-client-cert from a trusted proxy on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await start(adapter, 'loopback'));
  });
  afterAll(() => app.close());

  it('gives the peer of the one element', async () => {
    const answer = await get(port, '/whoami', [
      `By=spiffe://cluster.local/ns/shop/sa/notes;Hash=${HASH_NEAR};Subject="CN=orders,O=Shop";URI=spiffe://cluster.local/ns/orders/sa/orders;DNS=orders.shop.svc`,
    ]);
    expect(answer).toEqual({
      status: 200,
      body: {
        peer: {
          id: 'spiffe://cluster.local/ns/orders/sa/orders',
          spiffeId: 'spiffe://cluster.local/ns/orders/sa/orders',
          dnsNames: ['orders.shop.svc'],
          subject: 'CN=orders,O=Shop',
          fingerprintSha256: HASH_NEAR,
          source: 'proxy',
        },
      },
    });
  });

  it('uses the nearest of several elements, never one further left', async () => {
    const answer = await get(port, '/whoami', [
      `Hash=${HASH_FAR};URI=spiffe://cluster.local/ns/admin/sa/admin,By=spiffe://x;Hash=${HASH_NEAR};URI=spiffe://cluster.local/ns/orders/sa/orders`,
    ]);
    expect(answer.body.peer).toMatchObject({
      id: 'spiffe://cluster.local/ns/orders/sa/orders',
      fingerprintSha256: HASH_NEAR,
    });
  });

  it('reads quoted values holding separators and escaped quotes', async () => {
    const answer = await get(port, '/whoami', [
      `Hash=${HASH_NEAR};Subject="CN=a\\"b,OU=x;y,O=Shop, Inc."`,
    ]);
    expect(answer.body.peer).toMatchObject({
      id: 'CN=a"b,OU=x;y,O=Shop, Inc.',
      subject: 'CN=a"b,OU=x;y,O=Shop, Inc.',
    });
  });

  it.each([
    ['an unterminated quote', [`Hash=${HASH_NEAR};Subject="CN=a`], 'peer_header_malformed'],
    [
      'a nearest element without a Hash',
      [`Hash=${HASH_FAR},URI=spiffe://x/y`],
      'peer_header_malformed',
    ],
    ['an empty element', [`Hash=${HASH_NEAR},`], 'peer_header_malformed'],
    ['two headers', [`Hash=${HASH_FAR}`, `Hash=${HASH_NEAR}`], 'peer_header_repeated'],
  ])('refuses %s with a 400 problem and a security event', async (_name, values, reason) => {
    const before = events.length;
    const answer = await get(port, '/whoami', values);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      type: 'urn:bulwark:problem:invalid-peer-identity',
      title: 'Invalid peer identity',
      status: 400,
      detail: 'The x-forwarded-client-cert header could not be used.',
    });
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ kind: 'input.rejected', reason, details: { header: XFCC } }),
    ]);
  });

  it('gives no peer when the proxy sent no header', async () => {
    expect(await get(port, '/whoami', [])).toEqual({ status: 200, body: { peer: null } });
  });
});

describe.each(ADAPTERS)('x-forwarded-client-cert from an untrusted peer on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await start(adapter, '10.0.0.0/8'));
  });
  afterAll(() => app.close());

  it('is ignored, and its presence is a security event', async () => {
    const before = events.length;
    const answer = await get(port, '/whoami', [
      `Hash=${HASH_NEAR};URI=spiffe://cluster.local/ns/admin/sa/admin`,
    ]);
    expect(answer).toEqual({ status: 200, body: { peer: null } });
    expect(events.slice(before)).toEqual([
      expect.objectContaining({
        kind: 'input.rejected',
        reason: 'untrusted_peer_header',
        clientAddress: '127.0.0.1',
        details: { header: XFCC },
      }),
    ]);
  });

  it('is ignored even when malformed: an untrusted header is never parsed', async () => {
    expect((await get(port, '/whoami', ['"'])).status).toBe(200);
  });
});

describe.each(ADAPTERS)('x-forwarded-client-cert without PEER_IDENTITY_HEADER on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    // The sidecar is trusted for addresses, but no identity header was configured.
    app = await createSecureApp(PeerModule, {
      adapter,
      logger: false,
      env: { TRUST_PROXY: 'loopback' },
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('is never believed by default, even from a trusted proxy', async () => {
    const answer = await get(port, '/whoami', [
      `Hash=${HASH_NEAR};URI=spiffe://cluster.local/ns/admin/sa/admin`,
    ]);
    expect(answer).toEqual({ status: 200, body: { peer: null } });
  });
});

describe.each(ADAPTERS)('x-forwarded-client-cert with a hop-count TRUST_PROXY on %s', (adapter) => {
  it('stops start-up: a hop count would believe a header any caller wrote', async () => {
    // TRUST_PROXY=1 trusts whatever peer connects, such as an ingress controller that passes a
    // caller's forged header on; the identity header must come from the sidecar's address.
    await expect(
      createSecureApp(PeerModule, {
        adapter,
        logger: false,
        env: { TRUST_PROXY: '1', PEER_IDENTITY_HEADER: XFCC },
      }),
    ).rejects.toThrow(/^PEER_IDENTITY_HEADER: TRUST_PROXY \(trustProxy\) is a hop count \(1\)/);
  });
});
