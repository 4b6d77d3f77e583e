import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { ErrorsModule } from '@bulwark/errors';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { Controller, Get, Injectable, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientModule,
  InjectServiceClient,
  ServiceCallError,
  ServiceClient,
  serviceClientToken,
} from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';

/** The service's own client at the test issuer's token endpoint. */
const EXCHANGE_CLIENT_ID = 'notes-service';
const EXCHANGE_CLIENT_SECRET = 'exchange-secret-for-the-tests-only';

const ORDERS = 'https://orders.test';

let issuer: TestIssuer;
let downstream: Downstream;
let dir: string;
let env: Record<string, string>;
const outcomes: unknown[] = [];
/** Responses of `/v1/slow`, answered when a test says so. */
const held: ServerResponse[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  issuer.registerClient({ clientId: EXCHANGE_CLIENT_ID, secret: EXCHANGE_CLIENT_SECRET });
  downstream = await startDownstream((request, response) => {
    if (request.path === '/v1/unauthorized') {
      return json(
        response,
        401,
        { leaked: 'downstream-secret-detail' },
        {
          'www-authenticate': 'Bearer realm="orders"',
        },
      );
    }
    if (request.path === '/v1/stall') return;
    if (request.path === '/v1/slow') {
      held.push(response);
      return;
    }
    json(response, 200, { path: request.path });
  });
  dir = mkdtempSync(join(tmpdir(), 'bulwark-client-'));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, EXCHANGE_CLIENT_SECRET);
  env = {
    AUTH_TOKEN_URL: issuer.tokenUrl,
    AUTH_CLIENT_ID: EXCHANGE_CLIENT_ID,
    AUTH_CLIENT_SECRET_FILE: secretFile,
  };
});
afterAll(async () => {
  await downstream.close();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
});

@Controller()
class ProxyController {
  constructor(@InjectServiceClient('orders') private readonly orders: ServiceClient) {}

  @Get('orders')
  list(@Req() request: unknown) {
    return this.orders.get('/orders', { request });
  }

  @Get('unauthorized')
  unauthorized(@Req() request: unknown) {
    return this.orders.get('/unauthorized', { request });
  }

  @Get('stall')
  async stall(@Req() request: unknown) {
    try {
      return await this.orders.get('/stall', { request });
    } catch (error) {
      outcomes.push(error);
      throw error;
    }
  }
}

@Controller()
class DetachedController {
  constructor(@InjectServiceClient('orders') private readonly orders: ServiceClient) {}

  /** One call bound to the request and one detached from it, side by side. */
  @Get('detached')
  async both(@Req() request: unknown) {
    const attached = this.orders.get('/stall', { request }).catch((error: unknown) => {
      outcomes.push(error);
    });
    const detached = this.orders.get('/slow', { request, detached: true }).then(
      (body) => outcomes.push({ detached: body }),
      (error: unknown) => outcomes.push({ detachedError: error }),
    );
    await Promise.all([attached, detached]);
    return {};
  }
}

@Injectable()
class OrdersSettings {
  readonly baseUrl = () => `${downstream.url}/v1/`;
}

@Module({ providers: [OrdersSettings], exports: [OrdersSettings] })
class SettingsModule {}

function registered() {
  @Module({
    imports: [
      ErrorsModule.forRoot(),
      ClientModule.register({
        name: 'orders',
        baseUrl: `${downstream.url}/v1/`,
        audience: ORDERS,
        auth: { kind: 'tokenExchange' },
        timeouts: { totalMs: 60_000, headersMs: 60_000 },
        retry: { attempts: 0 },
        env,
      }),
    ],
    controllers: [ProxyController, DetachedController],
  })
  class AppModule {}
  return AppModule;
}

function registeredAsync() {
  @Module({
    imports: [
      ErrorsModule.forRoot(),
      ClientModule.forRootAsync({
        name: 'orders',
        imports: [SettingsModule],
        inject: [OrdersSettings],
        useFactory: (settings: OrdersSettings) => ({
          baseUrl: settings.baseUrl(),
          audience: ORDERS,
          auth: { kind: 'tokenExchange' as const },
          timeouts: { totalMs: 60_000, headersMs: 60_000 },
          retry: { attempts: 0 },
          env,
        }),
      }),
    ],
    controllers: [ProxyController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(ADAPTERS)('ClientModule in a Nest app on %s', (adapter) => {
  const running: RunningApp[] = [];
  afterEach(async () => {
    for (const app of running.splice(0)) await app.close();
    downstream.seen.length = 0;
    outcomes.length = 0;
  });

  for (const [registration, module] of [
    ['register', registered],
    ['forRootAsync', registeredAsync],
  ] as const) {
    it(`injects the client from ${registration}, exchanges the caller's token and passes the request id on`, async () => {
      const app = await bootstrap(module(), { adapter });
      running.push(app);
      const user = issuer.mint({ claims: { sub: 'alice' } });
      const response = await fetch(`${app.url}/orders`, {
        headers: { authorization: `Bearer ${user}`, 'x-request-id': 'req-12345678' },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ path: '/v1/orders' });
      const seen = downstream.seen[0];
      expect(seen?.headers['x-request-id']).toBe('req-12345678');
      expect(decodeJwt((seen?.headers.authorization ?? '').replace(/^Bearer /, ''))).toMatchObject({
        sub: 'alice',
        aud: ORDERS,
        act: { sub: EXCHANGE_CLIENT_ID },
      });
    });
  }

  it('answers a downstream 401 with our own 502 problem and none of its body', async () => {
    const app = await bootstrap(registered(), { adapter });
    running.push(app);
    const response = await fetch(`${app.url}/unauthorized`, {
      headers: { authorization: `Bearer ${issuer.mint()}` },
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toBeNull();
    const text = await response.text();
    expect(text).not.toContain('downstream-secret-detail');
    expect(JSON.parse(text)).toMatchObject({
      type: 'urn:bulwark:problem:upstream-failed',
      status: 502,
      title: 'Bad Gateway',
    });
  });

  it('aborts the downstream call when the incoming request goes away', async () => {
    const app = await bootstrap(registered(), { adapter });
    running.push(app);
    const url = new URL(`${app.url}/stall`);
    const request = httpRequest(url, { headers: { authorization: `Bearer ${issuer.mint()}` } });
    request.on('error', () => undefined);
    request.end();
    await expect.poll(() => downstream.seen.length, { timeout: 10_000 }).toBe(1);
    request.destroy();
    // The call was given 60 s; it ends now because the request that made it is gone.
    await expect.poll(() => outcomes.length, { timeout: 10_000 }).toBe(1);
    expect(outcomes[0]).toBeInstanceOf(ServiceCallError);
    expect((outcomes[0] as ServiceCallError).code).toBe('deadline');
  });

  it('lets a call detached from the request outlive it, while the attached one ends', async () => {
    const app = await bootstrap(registered(), { adapter });
    running.push(app);
    const url = new URL(`${app.url}/detached`);
    const request = httpRequest(url, { headers: { authorization: `Bearer ${issuer.mint()}` } });
    request.on('error', () => undefined);
    request.end();
    await expect.poll(() => downstream.seen.length, { timeout: 10_000 }).toBe(2);
    request.destroy();
    // The attached call ends with the request...
    await expect.poll(() => outcomes.length, { timeout: 10_000 }).toBe(1);
    expect((outcomes[0] as ServiceCallError).code).toBe('deadline');
    // ...and the detached one is still waiting for its answer, which it then gets.
    json(held.shift() as ServerResponse, 200, { path: '/v1/slow' });
    await expect.poll(() => outcomes.length, { timeout: 10_000 }).toBe(2);
    expect(outcomes[1]).toEqual({ detached: { path: '/v1/slow' } });
  });
});

describe('registration', () => {
  it('fails the app start-up, not the import of register(), naming the option and its variable', async () => {
    // register() runs while app.module.ts is imported: throwing there would be a stack trace
    // before startService could print its one fatal line.
    const module = ClientModule.register({
      name: 'orders',
      baseUrl: 'https://orders.test',
      audience: ORDERS,
      auth: { kind: 'clientCredentials' },
      env: { AUTH_TOKEN_URL: 'https://idp.test/token' },
    });
    await expect(Test.createTestingModule({ imports: [module] }).compile()).rejects.toThrow(
      new BulwarkConfigError(
        'AUTH_CLIENT_ID',
        'is required (option auth.clientId). Set AUTH_CLIENT_ID.',
      ),
    );
  });

  it('registers clients under their names and closes them with the app', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientModule.register({ name: 'orders', baseUrl: `${downstream.url}/v1/`, env: {} }),
        ClientModule.register({ name: 'billing', baseUrl: `${downstream.url}/billing/`, env: {} }),
      ],
    }).compile();
    const orders = moduleRef.get<ServiceClient>(serviceClientToken('orders'));
    const billing = moduleRef.get<ServiceClient>(serviceClientToken('billing'));
    expect(orders).toBeInstanceOf(ServiceClient);
    expect([orders.name, billing.name]).toEqual(['orders', 'billing']);
    expect(await billing.get('/x')).toEqual({ path: '/billing/x' });
    await moduleRef.close();
    const error = (await orders.get('/x').catch((caught: unknown) => caught)) as ServiceCallError;
    expect(error.code).toBe('connect');
  });

  it('fails start-up from forRootAsync naming the option', async () => {
    @Module({
      imports: [
        ClientModule.forRootAsync({
          name: 'orders',
          useFactory: () => ({ baseUrl: 'ftp://orders.test' }),
        }),
      ],
    })
    class BadModule {}
    await expect(
      NestFactory.create(BadModule, new ExpressAdapter(), { logger: false, abortOnError: false }),
    ).rejects.toThrow('baseUrl: must be an absolute http(s) URL.');
  });
});
