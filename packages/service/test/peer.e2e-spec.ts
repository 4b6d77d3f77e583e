import { RequireScopes } from '@bulwark/authz';
import { CurrentPeer, RequirePeer } from '@bulwark/authz/peer';
import { type Peer, Public } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import {
  ADAPTERS,
  createTestCa,
  createTestIssuer,
  type IssuedCertificate,
  type TestIssuer,
  tlsGet,
} from '@bulwark/test-harness';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../src/index.js';
import { startTlsService } from './tls-service.js';

const ca = createTestCa();
const ORDERS = ca.spiffeId('orders', 'orders');
const orders = ca.issueClient({ spiffeId: ORDERS });
const billing = ca.issueClient({ spiffeId: ca.spiffeId('billing', 'billing') });
afterAll(() => ca.close());

@Controller('internal')
class InternalController {
  // The orders service, on behalf of a user with notes:read.
  @RequirePeer(ORDERS)
  @RequireScopes('notes:read')
  @Get('notes')
  notes(@CurrentPeer() peer: Peer) {
    return { peer: peer.id };
  }

  // The orders service alone: no user token.
  @Public()
  @RequirePeer(ORDERS)
  @Get('sync')
  sync(@CurrentPeer() peer: Peer) {
    return { peer: peer.id };
  }
}

@Module({ controllers: [InternalController] })
class InternalModule {}

function get(
  port: number,
  path: string,
  client: IssuedCertificate | undefined,
  bearer?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
  return tlsGet(port, path, { ca: ca.certificate, client, headers }).then((answer) => ({
    status: answer.status,
    body: JSON.parse(answer.text) as Record<string, unknown>,
  }));
}

describe.each(ADAPTERS)('@RequirePeer behind real mTLS on %s', (adapter) => {
  let issuer: TestIssuer;
  let app: INestApplication;
  let port: number;
  let metricsUrl: string;
  const events: SecurityEvent[] = [];
  let unsubscribe: () => void;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    ({ app, port, metricsUrl } = await startTlsService(InternalModule, {
      adapter,
      ca,
      server: ca.issueServer(),
      issuer,
      env: { TLS_CLIENT_AUTH: 'optional' },
    }));
    unsubscribe = subscribeSecurityEvents((event) => events.push(event));
  });
  afterAll(async () => {
    unsubscribe();
    await app.close();
    await issuer.close();
  });

  it('admits the declared service on behalf of a user with the scope', async () => {
    const token = issuer.mint({ claims: { scope: 'notes:read' } });
    expect(await get(port, '/internal/notes', orders, token)).toEqual({
      status: 200,
      body: { peer: ORDERS },
    });
  });

  it('refuses another service with 403, a problem, a security event and a metric', async () => {
    const token = issuer.mint({ claims: { scope: 'notes:read' } });
    const before = events.length;
    const answer = await get(port, '/internal/notes', billing, token);
    expect(answer).toEqual({
      status: 403,
      body: expect.objectContaining({
        type: 'urn:bulwark:problem:forbidden',
        status: 403,
        instance: '/internal/notes',
      }),
    });
    expect(events.slice(before)).toEqual([
      expect.objectContaining({
        kind: 'authorization.denied',
        reason: 'peer_not_allowed',
        route: 'GET /internal/notes',
      }),
    ]);
    expect(await (await fetch(metricsUrl)).text()).toMatch(
      /^bulwark_authorization_denials_total\{reason="peer_not_allowed"\} [1-9]/m,
    );
  });

  it('still needs the user scope from the declared service', async () => {
    const token = issuer.mint({ claims: { scope: 'other' } });
    expect((await get(port, '/internal/notes', orders, token)).status).toBe(403);
  });

  it('admits the declared service alone on a public route, and refuses others', async () => {
    expect(await get(port, '/internal/sync', orders)).toEqual({
      status: 200,
      body: { peer: ORDERS },
    });
    expect((await get(port, '/internal/sync', billing)).status).toBe(403);
  });

  it('refuses a caller without a certificate on it (TLS_CLIENT_AUTH=optional lets it connect)', async () => {
    const before = events.length;
    expect((await get(port, '/internal/sync', undefined)).status).toBe(403);
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ kind: 'authorization.denied', reason: 'peer_missing' }),
    ]);
  });
});

describe.each(ADAPTERS)('@RequirePeer behind a trusted mesh sidecar on %s', (adapter) => {
  let issuer: TestIssuer;
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    app = await createService(InternalModule, {
      adapter,
      env: {
        NODE_ENV: 'test',
        TRUST_PROXY: 'loopback',
        PEER_IDENTITY_HEADER: 'x-forwarded-client-cert',
      },
      auth: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
      shutdown: false,
      metrics: false,
      logging: { destination: { write: () => true } },
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  const xfcc = (client: IssuedCertificate, spiffeId: string) =>
    `By=spiffe://cluster.local/ns/shop/sa/sidecar;Hash=${client.fingerprintSha256};URI=${spiffeId}`;

  it('admits the service the sidecar names in its element, and refuses another', async () => {
    const allowed = await fetch(`${url}/internal/sync`, {
      headers: { 'x-forwarded-client-cert': xfcc(orders, ORDERS) },
    });
    expect([allowed.status, await allowed.json()]).toEqual([200, { peer: ORDERS }]);
    const refused = await fetch(`${url}/internal/sync`, {
      headers: { 'x-forwarded-client-cert': xfcc(billing, ca.spiffeId('billing', 'billing')) },
    });
    expect(refused.status).toBe(403);
  });

  it('believes only the nearest element: a forged one further left does not count', async () => {
    const forged = `${xfcc(orders, ORDERS)},${xfcc(billing, ca.spiffeId('billing', 'billing'))}`;
    const answer = await fetch(`${url}/internal/sync`, {
      headers: { 'x-forwarded-client-cert': forged },
    });
    expect(answer.status).toBe(403);
  });
});
