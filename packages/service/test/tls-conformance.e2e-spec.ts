import { RequireScopes } from '@bulwark/authz';
import {
  ADAPTERS,
  createTestCa,
  createTestIssuer,
  runConformance,
  type TestIssuer,
} from '@bulwark/test-harness';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTlsService } from './tls-service.js';

@Controller('v1')
class OrdersController {
  @RequireScopes('orders:read')
  @Get('orders')
  list() {
    return { orders: [] };
  }
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

const ca = createTestCa();
afterAll(() => ca.close());

describe.each(ADAPTERS)('runConformance against createService with mTLS on %s', (adapter) => {
  let issuer: TestIssuer;
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    const started = await startTlsService(OrdersModule, {
      adapter,
      ca,
      server: ca.issueServer(),
      issuer,
    });
    app = started.app;
    url = `https://127.0.0.1:${started.port}`;
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  it('passes the mTLS probes, certificate-bound tokens included, and the rest of the suite over mTLS', async () => {
    const result = await runConformance(url, {
      issuer,
      protectedRoute: { path: '/v1/orders', claims: { scope: 'orders:read' } },
      mtls: { ca },
      only: ['probes', 'mtls', 'jwt', 'dpop', 'problem-details', 'headers', 'leaks'],
      print: false,
    });
    expect(result.failures).toEqual([]);
    const passed = result.checks.filter((c) => c.status === 'pass').map((c) => c.id);
    expect(passed).toEqual(
      expect.arrayContaining([
        'mtls/control',
        'mtls/no-certificate',
        'mtls/other-ca',
        'mtls/expired',
        'mtls/live-without-certificate',
        'mtls/bound-token',
        'mtls/bound-token-other-certificate',
        'jwt/control',
        'dpop/control',
        'dpop/replay',
      ]),
    );
    expect(result.checks.filter((c) => c.status === 'skip').map((c) => c.id)).toEqual([
      'problem-details/invalid-json',
    ]);
  });
});
