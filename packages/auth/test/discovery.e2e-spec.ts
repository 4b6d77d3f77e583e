import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '@bulwark/core';
import { HealthModule } from '@bulwark/health';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Controller, Get, type LoggerService, Module } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthKeyStore, TokenVerifier } from '../src/exports/verifier.js';
import {
  AuthModule,
  type AuthModuleOptions,
  authOptionsFromEnv,
  CurrentPrincipal,
} from '../src/index.js';
import {
  API_AUDIENCE,
  type IdentityProvider,
  nonLoopbackAddress,
  reservePort,
  startIdentityProvider,
} from './support/identity-provider.js';

@Controller()
class MeController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id, scopes: principal.scopes };
  }
}

function appModule(options: AuthModuleOptions) {
  @Module({
    imports: [AuthModule.forRoot(options), HealthModule.forRoot()],
    controllers: [MeController],
  })
  class AppModule {}
  return AppModule;
}

/** The environment of a generated service in production, with only the issuer to go on. */
function productionEnv(issuer: string, extra: Record<string, string> = {}) {
  return { NODE_ENV: 'production', AUTH_ISSUER: issuer, AUTH_AUDIENCE: API_AUDIENCE, ...extra };
}

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(String(message));
  }
  warn(message: unknown) {
    this.lines.push(String(message));
  }
  error(message: unknown) {
    this.lines.push(String(message));
  }
}

describe.each(ADAPTERS)('issuer-only configuration on %s', (adapter) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(options: AuthModuleOptions, logger?: LoggerService): Promise<RunningApp> {
    const running = await bootstrap(appModule(options), {
      adapter,
      configure: (app) => {
        if (logger) app.useLogger(logger);
      },
    });
    cleanup.push(() => running.close());
    return running;
  }

  async function provider(
    options: Parameters<typeof startIdentityProvider>[0] = {},
  ): Promise<IdentityProvider> {
    const started = await startIdentityProvider(options);
    cleanup.push(() => started.close());
    return started;
  }

  const ready = async (running: RunningApp) => {
    const response = await fetch(`${running.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const waitUntilReady = (running: RunningApp) =>
    vi.waitFor(async () => expect((await ready(running)).status).toBe(200), {
      timeout: 30_000,
      interval: 100,
    });
  const me = (running: RunningApp, token: string) =>
    fetch(`${running.url}/me`, { headers: { authorization: `Bearer ${token}` } });

  it('finds the JWKS through OpenID discovery and accepts the provider’s RFC 9068 token', async () => {
    const idp = await provider();
    const running = await start(authOptionsFromEnv(productionEnv(idp.issuer)));
    await waitUntilReady(running);
    const response = await me(running, await idp.token('notes:read'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: `${idp.issuer}|orders-worker`,
      scopes: ['notes:read'],
    });
    expect(idp.requests).toContain('/.well-known/openid-configuration');
    expect(idp.requests).not.toContain('/.well-known/oauth-authorization-server');
  });

  it('falls back to the RFC 8414 authorization-server metadata', async () => {
    const idp = await provider({ withoutOpenIdDiscovery: true });
    const running = await start(authOptionsFromEnv(productionEnv(idp.issuer)));
    await waitUntilReady(running);
    expect((await me(running, await idp.token())).status).toBe(200);
    expect(idp.requests.slice(0, 3)).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
      '/jwks',
    ]);
  });

  it('refuses a discovery document that names another issuer, and stays unready', async () => {
    const idp = await provider();
    // A trailing slash is another issuer: the comparison is exact.
    const running = await start(authOptionsFromEnv(productionEnv(`${idp.issuer}/`)));
    await vi.waitFor(() => expect(idp.requests).toContain('/.well-known/openid-configuration'));
    await vi.waitFor(() =>
      expect(running.app.get(AuthKeyStore).readiness().detail).toContain(
        `names the issuer "${idp.issuer}", not "${idp.issuer}/"; AUTH_ISSUER (option issuer) must equal it exactly`,
      ),
    );
    expect((await ready(running)).status).toBe(503);
    expect(idp.requests).not.toContain('/jwks');
    // Its tokens name the issuer without the slash, which is not the trusted one.
    expect((await me(running, await idp.token())).status).toBe(401);
  });

  it('retries a discovery that fails at start-up, unready meanwhile, then serves', async () => {
    const port = await reservePort();
    const issuer = `http://127.0.0.1:${port}`;
    // The provider is down while the service starts: start-up must neither fail nor crash.
    const running = await start(authOptionsFromEnv(productionEnv(issuer)));
    await vi.waitFor(() =>
      expect(running.app.get(AuthKeyStore).readiness().detail).toContain('discovery:'),
    );
    const down = await ready(running);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ details: { jwks: { status: 'down' } } });

    const idp = await provider({ port });
    await waitUntilReady(running);
    expect((await me(running, await idp.token())).status).toBe(200);
  });

  it('uses a provider on plain http off loopback only with AUTH_ALLOW_HTTP_JWKS, and shows it', async () => {
    const idp = await provider({ host: nonLoopbackAddress() });
    expect(() => AuthModule.forRoot(authOptionsFromEnv(productionEnv(idp.issuer)))).toThrow(
      /Use an https URL in AUTH_ISSUER, or set AUTH_ALLOW_HTTP_JWKS=true \(option allowHttpKeys\) when a service mesh encrypts the hop/,
    );
    const logger = new CapturingLogger();
    const running = await start(
      authOptionsFromEnv(productionEnv(idp.issuer, { AUTH_ALLOW_HTTP_JWKS: 'true' })),
      logger,
    );
    await waitUntilReady(running);
    expect((await ready(running)).body).toMatchObject({
      details: { jwks: { status: 'up', httpKeysAllowed: true } },
    });
    expect((await me(running, await idp.token())).status).toBe(200);
    expect(logger.lines.filter((line) => line.includes('AUTH_ALLOW_HTTP_JWKS=true'))).toHaveLength(
      1,
    );
  });

  it('shows no relaxed rule for a loopback provider', async () => {
    const idp = await provider();
    const running = await start(authOptionsFromEnv(productionEnv(idp.issuer)));
    await waitUntilReady(running);
    expect((await ready(running)).body).toEqual({
      status: 'ok',
      details: { jwks: { status: 'up' } },
    });
  });
});

/** A metadata server for cases a real provider does not produce: it serves fixed documents. */
async function startMetadataServer(
  host: string,
  documents: (base: string) => Record<string, unknown>,
): Promise<{ base: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const document = documents(base)[path];
    if (document === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('discovery rules', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('inserts the well-known segment before the issuer path for RFC 8414 metadata', async () => {
    const metadata = await startMetadataServer('127.0.0.1', (base) => ({
      '/.well-known/oauth-authorization-server/realms/main': {
        issuer: `${base}/realms/main`,
        jwks_uri: `${base}/realms/main/jwks`,
      },
      '/realms/main/jwks': { keys: [] },
    }));
    cleanup.push(() => metadata.close());
    const verifier = new TokenVerifier({
      issuer: `${metadata.base}/realms/main`,
      audience: 'api',
      discovery: true,
      production: true,
    });
    cleanup.push(() => verifier.close());
    await verifier.warmUp();
    expect(verifier.readiness()).toEqual({ ready: true });
    expect(metadata.requests).toEqual([
      '/realms/main/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/realms/main',
      '/realms/main/jwks',
    ]);
  });

  it('applies the https rule to a discovered jwks_uri, and fetches nothing from it', async () => {
    const keys = await startMetadataServer(nonLoopbackAddress(), () => ({ '/jwks': { keys: [] } }));
    cleanup.push(() => keys.close());
    const metadata = await startMetadataServer('127.0.0.1', (base) => ({
      '/.well-known/openid-configuration': { issuer: base, jwks_uri: `${keys.base}/jwks` },
    }));
    cleanup.push(() => metadata.close());
    const options = { issuer: metadata.base, audience: 'api', discovery: true, production: true };

    const strict = new TokenVerifier(options);
    cleanup.push(() => strict.close());
    await strict.warmUp();
    expect(strict.readiness()).toEqual({
      ready: false,
      detail:
        `${metadata.base}: discovery: the jwks_uri of ${metadata.base}/.well-known/openid-configuration ` +
        `must use https in production (got ${keys.base}/jwks), so keys cannot be swapped in transit. ` +
        'Use an https URL, or set AUTH_ALLOW_HTTP_JWKS=true (option allowHttpKeys) when a service ' +
        'mesh encrypts the hop.',
    });
    expect(keys.requests).toEqual([]);

    const relaxed = new TokenVerifier({ ...options, allowHttpKeys: true });
    cleanup.push(() => relaxed.close());
    await relaxed.warmUp();
    expect(relaxed.readiness()).toEqual({ ready: true, info: { httpKeysAllowed: true } });
    expect(keys.requests).toEqual(['/jwks']);
  });
});
