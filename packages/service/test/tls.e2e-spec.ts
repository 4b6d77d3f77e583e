import { RequireScopes } from '@bulwark/authz';
import { Public } from '@bulwark/core';
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
import { startTlsService, type TlsService } from './tls-service.js';

@Controller('v1')
class OrdersController {
  @RequireScopes('orders:read')
  @Get('orders')
  list() {
    return { orders: [] };
  }

  @Public()
  @Get('open')
  open() {
    return { open: true };
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

const ca = createTestCa();
const client = ca.issueClient({ spiffeId: ca.spiffeId('web', 'web') });
afterAll(() => ca.close());

function get(
  port: number,
  path: string,
  options: { client?: IssuedCertificate; bearer?: string; verify?: boolean } = {},
): Promise<{ status: number; body: string; authenticate: string | undefined }> {
  const headers: Record<string, string> = options.bearer
    ? { authorization: `Bearer ${options.bearer}` }
    : {};
  return tlsGet(port, path, {
    ca: ca.certificate,
    client: options.client,
    headers,
    verify: options.verify ?? true,
  }).then((answer) => ({
    status: answer.status,
    body: answer.text,
    authenticate: answer.headers['www-authenticate'] as string | undefined,
  }));
}

function start(
  adapter: (typeof ADAPTERS)[number],
  issuer: TestIssuer,
  server: IssuedCertificate,
): Promise<TlsService> {
  return startTlsService(OrdersModule, { adapter, ca, server, issuer });
}

describe.each(ADAPTERS)('createService with TLS_* on %s', (adapter) => {
  let issuer: TestIssuer;
  let app: INestApplication;
  let port: number;
  let metricsUrl: string;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    ({ app, port, metricsUrl } = await start(adapter, issuer, ca.issueServer()));
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  it('serves the probes over HTTPS without a client certificate', async () => {
    expect((await get(port, '/health/live')).status).toBe(200);
    const ready = await get(port, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toContain('"tls"');
  });

  it('needs both the client certificate and the token', async () => {
    const token = issuer.mint({ claims: { scope: 'orders:read' } });
    expect((await get(port, '/v1/orders', { bearer: token })).status).toBe(401);
    expect((await get(port, '/v1/open')).status).toBe(401);
    const noToken = await get(port, '/v1/orders', { client });
    expect([noToken.status, noToken.authenticate]).toEqual([401, 'Bearer realm="api"']);
    expect((await get(port, '/v1/orders', { client, bearer: token })).status).toBe(200);
  });

  it('exports the certificate expiry on the metrics port', async () => {
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/^bulwark_tls_certificate_expiry_seconds\{certificate="server"\} \d+$/m);
    expect(text).toMatch(
      /^bulwark_tls_certificate_expiry_seconds\{certificate="client_ca"\} \d+$/m,
    );
  });
});

describe.each(ADAPTERS)('createService with an expired server certificate on %s', (adapter) => {
  it('starts, and /health/ready answers 503', async () => {
    const issuer = await createTestIssuer();
    const { app, port } = await start(adapter, issuer, ca.issueServer({ days: 0 }));
    try {
      expect((await get(port, '/health/live', { verify: false })).status).toBe(200);
      const ready = await get(port, '/health/ready', { verify: false });
      expect(ready.status).toBe(503);
      expect(ready.body).toContain('"tls"');
    } finally {
      await app.close();
      await issuer.close();
    }
  });
});
