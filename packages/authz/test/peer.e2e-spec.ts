import { type Peer, Public } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { setPeer } from '@bulwark/core/request';
import {
  ADAPTERS,
  bootstrap,
  createAdapter,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import {
  Controller,
  Get,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Param,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRouteInventory } from '../src/exports/inventory.js';
import { decisionPointPolicy, OpaDecisionPoint } from '../src/exports/opa.js';
import { CurrentPeer, RequirePeer } from '../src/exports/peer.js';
import type { AuthorizationContext } from '../src/exports/policies.js';
import { definePolicy } from '../src/exports/policies.js';
import { Authorize, AuthzError, AuthzModule, LoadedResource, RequireScopes } from '../src/index.js';
import { type FakeOpa, startFakeOpa } from './support/fake-opa.js';
import { TestAuthModule } from './support/test-auth.module.js';

const ORDERS = 'spiffe://cluster.local/ns/orders/sa/orders';
const BILLING = 'spiffe://cluster.local/ns/billing/sa/billing';
const OPA_URL = { url: '' };

/**
 * Sets the peer as `@bulwark/http` does after verifying a client certificate (that path, with
 * real certificates, is tested in `@bulwark/service`); here the test names it in a header.
 */
function peerFromTestHeader(
  request: { headers: Record<string, string | undefined> },
  _r: unknown,
  next: () => void,
) {
  const id = request.headers['x-test-peer'];
  if (id) {
    const peer: Peer = {
      id,
      spiffeId: id.startsWith('spiffe://') ? id : undefined,
      dnsNames: [],
      subject: '',
      fingerprintSha256: 'a'.repeat(64),
      source: 'tls',
    };
    setPeer(request, peer);
  }
  next();
}

const seenByPolicy: Array<Peer | undefined> = [];
const peerAwarePolicy = definePolicy(
  'peer-aware',
  (_principal, _action, _resource, context: AuthorizationContext) => {
    seenByPolicy.push(context.peer);
    return context.peer?.spiffeId === ORDERS;
  },
);

@RequirePeer(ORDERS, BILLING)
@Controller('internal')
class InternalController {
  @RequireScopes('notes:read')
  @Get('notes')
  notes(@CurrentPeer() peer: Peer) {
    return { peer: peer.id };
  }

  @Get('any-user')
  anyUser(@CurrentPeer() peer: Peer) {
    return { peer: peer.id };
  }

  @Public()
  @RequirePeer(ORDERS)
  @Get('sync')
  sync(@CurrentPeer() peer: Peer) {
    return { peer: peer.id };
  }

  @Authorize({
    action: 'notes:read',
    load: ({ params }) => ({ id: params.id }),
    policy: peerAwarePolicy,
  })
  @Get('policy/:id')
  byPolicy(@Param('id') id: string, @LoadedResource() resource: { id: string }) {
    return { id, resource };
  }

  @Authorize({
    action: 'notes:read',
    load: ({ params }) => ({ id: params.id, readers: ['alice'] }),
    // The fake OPA starts after the decorators run: build the real client on the first call.
    policy: decisionPointPolicy({
      decide: (input) =>
        new OpaDecisionPoint({ url: OPA_URL.url, path: 'notes/allow' }).decide(input),
    }),
  })
  @Get('opa/:id')
  byOpa(@Param('id') id: string) {
    return { id };
  }
}

function appModule(issuer: TestIssuer) {
  @Module({
    imports: [
      TestAuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUrl: issuer.jwksUrl,
      }),
      AuthzModule.forRoot({}),
    ],
    controllers: [InternalController],
  })
  class PeerAppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(peerFromTestHeader).forRoutes('*');
    }
  }
  return PeerAppModule;
}

describe.each(ADAPTERS)('@RequirePeer on %s', (adapter) => {
  let issuer: TestIssuer;
  let opa: FakeOpa;
  let running: RunningApp;
  const events: SecurityEvent[] = [];
  let unsubscribe: () => void;
  let token: string;
  const get = async (path: string, peer?: string, bearer: string = token) => {
    const headers: Record<string, string> = {};
    if (peer) headers['x-test-peer'] = peer;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const response = await fetch(`${running.url}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    issuer = await createTestIssuer();
    opa = await startFakeOpa();
    OPA_URL.url = opa.url;
    running = await bootstrap(appModule(issuer), { adapter });
    token = issuer.mint({ claims: { sub: 'alice', scope: 'notes:read' } });
    unsubscribe = subscribeSecurityEvents((event) => events.push(event));
  });
  afterAll(async () => {
    unsubscribe();
    await running.close();
    await opa.close();
    await issuer.close();
  });
  beforeEach(() => {
    events.length = 0;
    seenByPolicy.length = 0;
  });

  it('admits a declared peer on behalf of a user with the scope', async () => {
    expect(await get('/internal/notes', ORDERS)).toEqual({ status: 200, body: { peer: ORDERS } });
    expect(await get('/internal/notes', BILLING)).toEqual({ status: 200, body: { peer: BILLING } });
  });

  it.each([
    ['no peer', undefined, 'peer_missing', undefined],
    [
      'another peer',
      'spiffe://cluster.local/ns/evil/sa/evil',
      'peer_not_allowed',
      'spiffe://cluster.local/ns/evil/sa/evil',
    ],
  ])('refuses %s with a 403 problem and a security event', async (_name, peer, reason, detail) => {
    const answer = await get('/internal/notes', peer);
    expect(answer).toEqual({
      status: 403,
      body: expect.objectContaining({
        type: 'urn:bulwark:problem:forbidden',
        title: 'Forbidden',
        status: 403,
      }),
    });
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'authorization.denied',
        reason,
        route: 'GET /internal/notes',
        principalId: `${issuer.issuer}|alice`,
        ...(detail === undefined ? {} : { details: { peer: detail } }),
      }),
    ]);
  });

  it('keeps the user requirement: the right peer without the scope is refused', async () => {
    const other = issuer.mint({ claims: { sub: 'alice', scope: 'other' } });
    const answer = await get('/internal/notes', ORDERS, other);
    expect(answer.status).toBe(403);
    expect(events).toEqual([expect.objectContaining({ reason: 'insufficient_scope' })]);
  });

  it('still needs a user on a route that declares only the peer', async () => {
    expect((await get('/internal/any-user', ORDERS)).status).toBe(200);
    expect((await get('/internal/any-user', ORDERS, '')).status).toBe(401);
  });

  it("uses the handler's list over the controller's, and checks the peer alone on a public route", async () => {
    expect(await get('/internal/sync', ORDERS, '')).toEqual({
      status: 200,
      body: { peer: ORDERS },
    });
    expect((await get('/internal/sync', BILLING, '')).status).toBe(403);
    expect((await get('/internal/sync', undefined, '')).status).toBe(403);
  });

  it('gives policies the peer', async () => {
    expect((await get('/internal/policy/7', ORDERS)).status).toBe(200);
    expect((await get('/internal/policy/7', BILLING)).status).toBe(404);
    expect(seenByPolicy.map((peer) => peer?.id)).toEqual([ORDERS, BILLING]);
  });

  it('sends the peer in the OPA input, and null without one', async () => {
    opa.inputs.length = 0;
    await get('/internal/opa/1', ORDERS);
    expect(opa.inputs).toEqual([
      expect.objectContaining({
        action: 'notes:read',
        peer: {
          id: ORDERS,
          spiffeId: ORDERS,
          dnsNames: [],
          subject: '',
          fingerprintSha256: 'a'.repeat(64),
          source: 'tls',
        },
      }),
    ]);
  });
});

describe('@RequirePeer in the route inventory and at start-up', () => {
  it('lists the allowed peers and counts a peer-only route as declared', async () => {
    const issuer = await createTestIssuer();
    const app = await NestFactory.create(appModule(issuer), createAdapter('fastify'), {
      logger: false,
    });
    try {
      const byPath = Object.fromEntries(
        buildRouteInventory(app).map((entry) => [entry.path, entry]),
      );
      expect(byPath['/internal/notes']).toMatchObject({
        authentication: 'bearer',
        declared: true,
        scopes: 'notes:read',
        peer: `any(${ORDERS}, ${BILLING})`,
      });
      expect(byPath['/internal/any-user']).toMatchObject({ declared: true, scopes: '-' });
      expect(byPath['/internal/sync']).toMatchObject({
        authentication: 'public',
        declared: true,
        peer: ORDERS,
      });
      await app.init();
    } finally {
      await app.close();
      await issuer.close();
    }
  });

  it('still refuses @Public() with a user requirement at start-up', async () => {
    @Controller('x')
    class Conflicting {
      @Public()
      @RequirePeer(ORDERS)
      @RequireScopes('a')
      @Get()
      get() {
        return {};
      }
    }
    @Module({ imports: [AuthzModule.forRoot({})], controllers: [Conflicting] })
    class ConflictingModule {}
    const app = await NestFactory.create(ConflictingModule, createAdapter('express'), {
      logger: false,
    });
    try {
      await expect(app.init()).rejects.toThrow(/1 route\(s\) are @Public\(\) and also carry/);
    } finally {
      await app.close().catch(() => undefined);
    }
  });

  it.each([
    [[], '@RequirePeer() needs at least one peer; an empty list would allow no one or everyone'],
    [
      ['spiffe://a b'],
      '@RequirePeer() takes non-empty peer ids without spaces, such as spiffe://cluster.local/ns/orders/sa/orders',
    ],
    [
      [''],
      '@RequirePeer() takes non-empty peer ids without spaces, such as spiffe://cluster.local/ns/orders/sa/orders',
    ],
  ])('refuses the declaration %j', (peers, message) => {
    expect(() => RequirePeer(...(peers as string[]))).toThrow(
      new AuthzError('AUTHZ_INVALID_DECLARATION', message),
    );
  });
});
