import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Principal } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { createSecureApp } from '@bulwark/http';
import { ADAPTERS, createTestIssuer, type TestIssuer } from '@bulwark/test-harness';
import { createTestCa, type IssuedCertificate, type TestCa } from '@bulwark/testing';
import { createDpopKey, createDpopProof } from '@bulwark/testing/dpop';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthModule, CurrentPrincipal } from '../src/index.js';

@Controller()
class ProbeController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id };
  }
}

function appModule(issuer: TestIssuer) {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
      }),
    ],
    controllers: [ProbeController],
  })
  class AppModule {}
  return AppModule;
}

const INVALID_TOKEN =
  'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

function collect(resolve: (answer: Answer) => void) {
  return (res: import('node:http').IncomingMessage) => {
    res.resume();
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
  };
}

/** GET over mutual TLS: a fresh connection (no agent), with or without a client certificate. */
function tlsGet(
  port: number,
  ca: TestCa,
  headers: Record<string, string>,
  client?: IssuedCertificate,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/me',
        agent: false,
        ca: ca.certificate,
        headers,
        ...(client ? { cert: client.cert, key: client.key } : {}),
      },
      collect(resolve),
    );
    req.on('error', reject);
    req.end();
  });
}

function plainGet(port: number, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/me', agent: false, headers },
      collect(resolve),
    );
    req.on('error', reject);
    req.end();
  });
}

function recordReasons() {
  const reasons: string[] = [];
  const unsubscribe = subscribeSecurityEvents((event: SecurityEvent) => {
    if (event.kind === 'authentication.failed') reasons.push(event.reason);
  });
  return { reasons, unsubscribe };
}

describe.each(ADAPTERS)('certificate-bound tokens (RFC 8705 §3) over mTLS on %s', (adapter) => {
  let issuer: TestIssuer;
  let ca: TestCa;
  let app: INestApplication;
  let port: number;
  let alice: IssuedCertificate;
  let mallory: IssuedCertificate;
  let recorder: ReturnType<typeof recordReasons>;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    ca = createTestCa();
    const server = ca.issueServer();
    alice = ca.issueClient({ spiffeId: ca.spiffeId('orders', 'orders') });
    mallory = ca.issueClient({ spiffeId: ca.spiffeId('billing', 'billing') });
    app = await createSecureApp(appModule(issuer), {
      adapter,
      logger: false,
      env: {},
      tls: {
        certFile: server.certFile,
        keyFile: server.keyFile,
        clientCaFile: ca.certificateFile,
        clientAuth: 'optional',
      },
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
    ca.close();
  });
  beforeEach(() => {
    recorder?.unsubscribe();
    recorder = recordReasons();
  });

  it('accepts a bound token over the certificate it is bound to, even from the cache', async () => {
    const token = issuer.mintCertificateBound(alice.cert);
    const authorization = `Bearer ${token}`;
    expect((await tlsGet(port, ca, { authorization }, alice)).status).toBe(200);
    expect((await tlsGet(port, ca, { authorization }, alice)).status).toBe(200);
    expect(recorder.reasons).toEqual([]);
  });

  it('refuses a bound token over another certificate, and with none, with 401 invalid_token', async () => {
    const token = issuer.mintCertificateBound(alice.cert);
    const authorization = `Bearer ${token}`;
    // Verified and cached first: the cache must not carry the binding over to another caller.
    expect((await tlsGet(port, ca, { authorization }, alice)).status).toBe(200);
    const other = await tlsGet(port, ca, { authorization }, mallory);
    expect(other.status).toBe(401);
    expect(other.headers['www-authenticate']).toBe(INVALID_TOKEN);
    const none = await tlsGet(port, ca, { authorization });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe(INVALID_TOKEN);
    expect(recorder.reasons).toEqual(['certificate_mismatch', 'certificate_missing']);
  });

  it('leaves unbound tokens as they were, with or without a certificate', async () => {
    const authorization = `Bearer ${issuer.mint()}`;
    expect((await tlsGet(port, ca, { authorization }, mallory)).status).toBe(200);
    expect((await tlsGet(port, ca, { authorization })).status).toBe(200);
  });

  it('checks both bindings of a token bound to a DPoP key and a certificate', async () => {
    const key = createDpopKey();
    const token = issuer.mint({
      claims: { cnf: { jkt: key.jkt, 'x5t#S256': alice.thumbprint } },
    });
    const url = `https://127.0.0.1:${port}/me`;
    const proof = () => createDpopProof(key, { method: 'GET', url, accessToken: token });
    const headers = () => ({ authorization: `DPoP ${token}`, dpop: proof() });
    expect((await tlsGet(port, ca, headers(), alice)).status).toBe(200);
    expect((await tlsGet(port, ca, headers(), mallory)).status).toBe(401);
    expect(recorder.reasons).toEqual(['certificate_mismatch']);
  });
});

describe.each(ADAPTERS)(
  'certificate-bound tokens through a mesh sidecar (XFCC Hash) on %s',
  (adapter) => {
    let issuer: TestIssuer;
    let ca: TestCa;
    let alice: IssuedCertificate;
    let mallory: IssuedCertificate;
    const apps: INestApplication[] = [];

    async function start(trustProxy: string): Promise<number> {
      const app = await createSecureApp(appModule(issuer), {
        adapter,
        logger: false,
        env: { TRUST_PROXY: trustProxy, PEER_IDENTITY_HEADER: 'x-forwarded-client-cert' },
      });
      apps.push(app);
      await app.listen(0, '127.0.0.1');
      return (app.getHttpServer().address() as { port: number }).port;
    }

    beforeAll(async () => {
      issuer = await createTestIssuer();
      ca = createTestCa();
      alice = ca.issueClient({ spiffeId: ca.spiffeId('orders', 'orders') });
      mallory = ca.issueClient({ spiffeId: ca.spiffeId('billing', 'billing') });
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await issuer.close();
      ca.close();
    });

    it('matches cnf["x5t#S256"] against the Hash a trusted proxy passed on', async () => {
      const port = await start('loopback');
      const authorization = `Bearer ${issuer.mintCertificateBound(alice.cert)}`;
      const xfcc = (cert: IssuedCertificate) =>
        `Hash=${cert.fingerprintSha256};URI=${ca.spiffeId('orders', 'orders')}`;
      const recorder = recordReasons();
      expect(
        (await plainGet(port, { authorization, 'x-forwarded-client-cert': xfcc(alice) })).status,
      ).toBe(200);
      const other = await plainGet(port, {
        authorization,
        'x-forwarded-client-cert': xfcc(mallory),
      });
      expect(other.status).toBe(401);
      expect(other.headers['www-authenticate']).toBe(INVALID_TOKEN);
      expect((await plainGet(port, { authorization })).status).toBe(401);
      recorder.unsubscribe();
      expect(recorder.reasons).toEqual(['certificate_mismatch', 'certificate_missing']);
    });

    it('does not believe the Hash from a peer that is not a trusted proxy', async () => {
      const port = await start('10.0.0.0/8');
      const authorization = `Bearer ${issuer.mintCertificateBound(alice.cert)}`;
      const answer = await plainGet(port, {
        authorization,
        'x-forwarded-client-cert': `Hash=${alice.fingerprintSha256}`,
      });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(INVALID_TOKEN);
    });
  },
);
