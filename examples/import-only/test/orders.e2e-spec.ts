import type { AddressInfo } from 'node:net';
import { createTestIssuer, runConformance, type TestIssuer } from '@bulwark/testing';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  type INestApplication,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';

const HINTS = {
  protectedRoute: { path: '/orders', claims: { scope: 'orders:read' } },
  resource: {
    create: { path: '/orders', body: { item: 'book', quantity: 1 } },
    path: '/orders/:id',
    owner: { sub: 'alice', scope: 'orders:read orders:write' },
    intruder: { sub: 'mallory', scope: 'orders:read orders:write' },
    update: false,
    delete: false,
  },
  admin: { path: '/admin/orders', user: { scope: 'orders:read' }, admin: { roles: ['admin'] } },
  health: { live: '/health/live', ready: '/health/live' },
} as const;

/** A filter that many apps have written once: it hands the error to the client. */
@Catch()
class LeakyFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse();
    res.status(500).json({ message: error.message, stack: error.stack });
  }
}

async function start(
  issuer: TestIssuer,
  leaky = false,
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(
    AppModule.register({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUrl,
    }),
    { logger: false },
  );
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
  if (leaky) app.useGlobalFilters(new LeakyFilter());
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

describe('an existing Express app that imports only @bulwark/auth and @bulwark/authz', () => {
  let issuer: TestIssuer;
  let running: { app: INestApplication; url: string };
  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await start(issuer);
  });
  afterAll(async () => {
    await running.app.close();
    await issuer.close();
  });
  const call = (path: string, claims?: Record<string, unknown>, init: RequestInit = {}) =>
    fetch(`${running.url}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(claims ? { authorization: `Bearer ${issuer.mint({ claims })}` } : {}),
      },
    });

  it('serves the owner and hides the order from everyone else', async () => {
    const created = await call(
      '/orders',
      { sub: 'alice', scope: 'orders:write' },
      {
        method: 'POST',
        body: JSON.stringify({ item: 'book', quantity: 2 }),
      },
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call(`/orders/${id}`, { sub: 'alice', scope: 'orders:read' })).status).toBe(200);
    expect((await call(`/orders/${id}`, { sub: 'bob', scope: 'orders:read' })).status).toBe(404);
    expect(
      await call('/orders', { sub: 'bob', scope: 'orders:read' }).then((r) => r.json()),
    ).toEqual([]);
  });

  it('answers 401 with a Bearer challenge, and 403 insufficient_scope', async () => {
    const anonymous = await call('/orders');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
    const noScope = await call('/orders', { scope: 'profile' });
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toContain(
      'error="insufficient_scope", scope="orders:read"',
    );
  });

  it('keeps the app public routes public and its admin route for admins', async () => {
    expect((await call('/health/live')).status).toBe(200);
    expect((await call('/admin/orders', { scope: 'orders:read' })).status).toBe(403);
    expect((await call('/admin/orders', { roles: ['admin'] })).status).toBe(200);
  });

  it('passes the JWT, BOLA and BFLA checks of the conformance suite', async () => {
    const result = await runConformance(running.url, {
      issuer,
      ...HINTS,
      only: ['jwt', 'bola', 'bfla'],
      problemDetails: false,
      print: false,
    });
    expect(result.failures).toEqual([]);
    expect(result.passed).toBeGreaterThan(50);
  });

  it('is reported for what it did not import: security headers and problem details', async () => {
    const result = await runConformance(running.url, {
      issuer,
      ...HINTS,
      only: ['headers', 'problem-details'],
      print: false,
    });
    const failed = result.failures.map((f) => f.id);
    expect(failed).toEqual(
      expect.arrayContaining([
        'headers/public-200',
        'headers/not-found-404',
        'problem-details/not-found',
      ]),
    );
    expect(result.failures.find((f) => f.id === 'headers/public-200')?.detail).toContain(
      'X-Powered-By is sent ("Express")',
    );
  });

  it('is caught leaking a stack trace when a filter hands errors to the client', async () => {
    const leaky = await start(issuer, true);
    try {
      const result = await runConformance(leaky.url, {
        issuer,
        ...HINTS,
        only: ['problem-details', 'leaks'],
        print: false,
      });
      const leak = result.failures.find((f) => f.category === 'leaks');
      expect(leak?.detail).toMatch(/stack frame: at /);
      expect(leak?.detail).toContain('node_modules');
    } finally {
      await leaky.app.close();
    }
  });
});
