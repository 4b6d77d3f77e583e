import { request } from 'node:http';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { addRequestStep } from '@bulwark/core/request';
import { useRequestIds } from '@bulwark/errors/request-ids';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSecurityHeaders } from '../src/exports/headers.js';
import { peerIdentityStep } from '../src/internal/peer-identity.js';
import { resolveSecurityOptions } from '../src/internal/resolve-security-options.js';
import { PeerModule } from './tls-fixture.js';

const XFCC = 'x-forwarded-client-cert';
const ELEMENT = `Hash=${'c'.repeat(64)};URI=spiffe://cluster.local/ns/orders/sa/orders`;

const events: SecurityEvent[] = [];
const unsubscribe = subscribeSecurityEvents((event) => events.push(event));
afterAll(() => unsubscribe());

/** Sends the identity header twice, which the peer-identity step refuses with 400. */
function repeatedHeader(
  port: number,
  requestId: string,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/whoami', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.setHeader(XFCC, [ELEMENT, ELEMENT]);
    req.setHeader('x-request-id', requestId);
    req.on('error', reject);
    req.end();
  });
}

describe.each(ADAPTERS)('request steps installed in reverse order on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    const resolved = resolveSecurityOptions({
      env: { TRUST_PROXY: 'loopback', PEER_IDENTITY_HEADER: XFCC },
    });
    running = await bootstrap(PeerModule, {
      adapter,
      // The reverse of the request path: the stages put them back in order.
      configure: (app) => {
        addRequestStep(
          app.getHttpAdapter(),
          {
            name: 'peer-identity',
            stage: 'peer-identity',
            onRequest: peerIdentityStep({
              tls: undefined,
              header: resolved.peerIdentityHeader,
              clientAddresses: resolved.clientAddresses,
            }),
          },
          () => new Error('no request hook'),
        );
        installSecurityHeaders(app.getHttpAdapter());
        useRequestIds(app);
      },
    });
  });
  afterAll(() => running.close());

  it('answers a refused peer identity with the request id and the security headers', async () => {
    const port = Number(new URL(running.url).port);
    const answer = await repeatedHeader(port, 'order-check-1');
    expect(answer.status).toBe(400);
    expect(answer.headers['x-request-id']).toBe('order-check-1');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    const refusal = events.find((event) => event.reason === 'peer_header_repeated');
    expect(refusal?.requestId).toBe('order-check-1');
  });

  it('still gives the peer of a well-formed header', async () => {
    const response = await fetch(`${running.url}/whoami`, { headers: { [XFCC]: ELEMENT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as { peer: { id: string } }).peer.id).toBe(
      'spiffe://cluster.local/ns/orders/sa/orders',
    );
  });
});
