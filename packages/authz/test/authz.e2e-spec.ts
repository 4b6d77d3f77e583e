import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpa, startFakeOpa } from './support/fake-opa.js';
import { call } from './support/http.js';
import { AUTHENTICATORS, NotesStore, notesAppModule } from './support/notes.app.js';

const NOT_FOUND = {
  type: 'urn:bulwark:problem:not-found',
  title: 'Not Found',
  status: 404,
  detail: 'The resource was not found.',
};
const FORBIDDEN = {
  type: 'urn:bulwark:problem:forbidden',
  title: 'Forbidden',
  status: 403,
  detail: 'You are not allowed to perform this action.',
};

const CASES = ADAPTERS.flatMap((adapter) =>
  AUTHENTICATORS.map((authenticator) => [adapter, authenticator] as const),
);

describe.each(CASES)('@bulwark/authz on %s after %s', (adapter, authenticator) => {
  let issuer: TestIssuer;
  let opa: FakeOpa;
  let running: RunningApp;
  let url: string;
  let store: NotesStore;
  const events: SecurityEvent[] = [];
  let unsubscribe: () => void;

  const token = (sub: string, claims: Record<string, unknown> = {}) =>
    issuer.mint({ claims: { sub, scope: 'notes:read notes:write', ...claims } });
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    opa = await startFakeOpa();
    running = await bootstrap(
      notesAppModule(
        { issuer: issuer.issuer, audience: issuer.audience, jwksUrl: issuer.jwksUrl },
        opa.url,
        authenticator,
      ),
      { adapter },
    );
    url = running.url;
    store = running.app.get(NotesStore);
    alice = token('alice', { tenant_id: 'acme' });
    bob = token('bob', { tenant_id: 'globex' });
    admin = token('root', { roles: ['admin'] });
    unsubscribe = subscribeSecurityEvents((event) => events.push(event));
  });
  afterAll(async () => {
    unsubscribe();
    await running.close();
    await opa.close();
    await issuer.close();
  });
  beforeEach(() => {
    store.notes.clear();
    events.length = 0;
    opa.mode = 'answer';
  });

  const create = async (owner: string, title = 'groceries') => {
    const answer = await call(url, 'POST', '/v1/notes', {
      token: owner,
      json: { title, body: 'milk' },
    });
    expect(answer.status).toBe(201);
    return (answer.body as { id: string }).id;
  };

  describe('function level', () => {
    it('lets a public route through without a token', async () => {
      expect(await call(url, 'GET', '/health/live')).toMatchObject({
        status: 200,
        body: { status: 'up' },
      });
    });

    it('answers a missing scope with 403 and an RFC 6750 insufficient_scope challenge', async () => {
      const readOnly = issuer.mint({ claims: { sub: 'carol', scope: 'notes:read' } });
      const answer = await call(url, 'POST', '/v1/notes', {
        token: readOnly,
        json: { title: 't', body: 'b' },
      });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="notes:write"',
      );
      expect(answer.body).toEqual({
        type: 'urn:bulwark:problem:insufficient-scope',
        title: 'Forbidden',
        status: 403,
        detail: 'The access token lacks a required scope.',
      });
      expect(events).toEqual([
        {
          kind: 'authorization.denied',
          reason: 'insufficient_scope',
          requestId: undefined,
          principalId: `${issuer.issuer}|carol`,
          route: 'POST /v1/notes',
          details: undefined,
        },
      ]);
      expect(JSON.stringify(events)).not.toContain(readOnly);
    });

    it('accepts any one scope of an anyOf requirement and names them all when none is held', async () => {
      const reader = issuer.mint({ claims: { sub: 'dan', scope: 'reports:admin' } });
      expect((await call(url, 'GET', '/v1/lab/reports', { token: reader })).status).toBe(200);
      const answer = await call(url, 'GET', '/v1/lab/reports', { token: alice });
      expect(answer.status).toBe(403);
      expect(answer.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="reports:read reports:admin"',
      );
    });

    it('serves @Authenticated() routes to any caller with a token', async () => {
      const plain = issuer.mint({ claims: { sub: 'erin', scope: undefined } });
      const answer = await call(url, 'GET', '/v1/lab/me', { token: plain });
      expect(answer).toMatchObject({ status: 200, body: { id: `${issuer.issuer}|erin` } });
    });
  });

  describe('BFLA: admin routes', () => {
    it('refuses a caller without the admin role with a 403 problem, and serves an admin', async () => {
      await create(alice);
      const denied = await call(url, 'GET', '/v1/admin/notes', { token: bob });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual(FORBIDDEN);
      expect(denied.headers.get('content-type')).toContain('json');
      expect(events.map((event) => event.reason)).toEqual(['missing_role']);
      const allowed = await call(url, 'GET', '/v1/admin/notes', { token: admin });
      expect(allowed.status).toBe(200);
      expect(allowed.body).toHaveLength(1);
    });

    it('grants permissions only through the role → permission map', async () => {
      await create(alice);
      const auditor = token('audrey', { roles: ['admin', 'auditor'] });
      const notAdminButAuditor = token('aud', { roles: ['auditor'] });
      expect(
        (await call(url, 'DELETE', '/v1/admin/notes', { token: notAdminButAuditor })).status,
      ).toBe(403);
      expect(store.notes.size).toBe(1);
      expect((await call(url, 'DELETE', '/v1/admin/notes', { token: auditor })).status).toBe(204);
      expect(store.notes.size).toBe(0);
    });

    it.each([
      ['a string instead of an array', { roles: 'admin' }],
      ['an array of objects', { roles: [{ name: 'admin' }] }],
      ['the wrong claim (role)', { role: 'admin' }],
      ['the wrong claim (realm_access.roles)', { realm_access: { roles: ['admin'] } }],
      ['the wrong claim (groups)', { groups: ['admin'] }],
    ])('does not honour a role claim of %s', async (_name, claims) => {
      const answer = await call(url, 'GET', '/v1/admin/notes', { token: token('mallory', claims) });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual(FORBIDDEN);
    });

    it('does not let a non-string role claim unlock an admin override on objects', async () => {
      const id = await create(alice);
      const answer = await call(url, 'GET', `/v1/notes/${id}`, {
        token: token('mallory', { roles: 'admin' }),
      });
      expect(answer).toMatchObject({ status: 404, body: NOT_FOUND });
    });
  });

  describe('BOLA: object level', () => {
    it('answers another user 404 for GET, PATCH and DELETE, leaving the object unchanged', async () => {
      const id = await create(alice);
      const before = structuredClone(store.notes.get(id));
      const missing = await call(url, 'GET', '/v1/notes/999', { token: bob });
      expect(missing).toMatchObject({ status: 404, body: NOT_FOUND });
      for (const [method, json] of [
        ['GET', undefined],
        ['PATCH', { title: 'pwned' }],
        ['DELETE', undefined],
      ] as const) {
        const answer = await call(url, method, `/v1/notes/${id}`, { token: bob, json });
        expect(answer.status, method).toBe(404);
        // Identical to a missing object: existence is not revealed.
        expect(answer.body, method).toEqual(missing.body);
      }
      expect(store.notes.get(id)).toEqual(before);
      const owner = await call(url, 'GET', `/v1/notes/${id}`, { token: alice });
      expect(owner).toMatchObject({ status: 200, body: { id, title: 'groceries', body: 'milk' } });
      expect(
        events.map((event) => [event.reason, event.details?.action, event.principalId]),
      ).toEqual([
        ['policy_denied', 'notes:read', `${issuer.issuer}|bob`],
        ['policy_denied', 'notes:update', `${issuer.issuer}|bob`],
        ['policy_denied', 'notes:delete', `${issuer.issuer}|bob`],
      ]);
      expect(events[0]?.route).toBe('GET /v1/notes/:id');
    });

    it('lets the owner update and delete', async () => {
      const id = await create(alice);
      const patched = await call(url, 'PATCH', `/v1/notes/${id}`, {
        token: alice,
        json: { title: 'renamed' },
      });
      expect(patched).toMatchObject({ status: 200, body: { id, title: 'renamed' } });
      expect((await call(url, 'DELETE', `/v1/notes/${id}`, { token: alice })).status).toBe(204);
      expect(store.notes.has(id)).toBe(false);
    });

    it('applies the admin override to reads only', async () => {
      const id = await create(alice);
      expect((await call(url, 'GET', `/v1/notes/${id}`, { token: admin })).status).toBe(200);
      expect(
        (await call(url, 'PATCH', `/v1/notes/${id}`, { token: admin, json: { title: 'x' } }))
          .status,
      ).toBe(404);
      expect(store.notes.get(id)?.title).toBe('groceries');
    });

    it('treats the same sub from another issuer as another user', async () => {
      const other = await createTestIssuer();
      try {
        const id = await create(alice);
        const forged = other.mint({
          claims: { iss: issuer.issuer, sub: 'alice', scope: 'notes:read' },
        });
        // Signed by a key the app does not trust: rejected before authz.
        expect((await call(url, 'GET', `/v1/notes/${id}`, { token: forged })).status).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('lists only the caller’s own objects', async () => {
      await create(alice, 'mine');
      await create(bob, 'theirs');
      const answer = await call(url, 'GET', '/v1/notes', { token: alice });
      expect(answer.body).toEqual([{ id: expect.any(String), title: 'mine', body: 'milk' }]);
    });

    it('scopes by tenant claim, with a configurable 403', async () => {
      const id = await create(alice);
      const colleague = token('carl', { tenant_id: 'acme' });
      expect(
        (await call(url, 'GET', `/v1/lab/tenant-notes/${id}`, { token: colleague })).status,
      ).toBe(200);
      const outsider = await call(url, 'GET', `/v1/lab/tenant-notes/${id}`, { token: bob });
      expect(outsider).toMatchObject({ status: 403, body: FORBIDDEN });
      const noClaim = await call(url, 'GET', `/v1/lab/tenant-notes/${id}`, { token: admin });
      expect(noClaim.status).toBe(403);
      const numeric = token('num', { tenant_id: 7 });
      expect(
        (await call(url, 'GET', `/v1/lab/tenant-notes/${id}`, { token: numeric })).status,
      ).toBe(403);
    });

    it('denies (fail closed) when the policy throws, and logs the reason', async () => {
      const answer = await call(url, 'GET', '/v1/lab/fragile-policy/1', { token: alice });
      expect(answer).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(JSON.stringify(answer.body)).not.toContain('unreachable');
      expect(events).toMatchObject([
        { reason: 'policy_error', details: { action: 'lab:fragile-policy' } },
      ]);
    });

    it('denies (fail closed) when the loader throws', async () => {
      const answer = await call(url, 'GET', '/v1/lab/fragile-loader/1', { token: alice });
      expect(answer).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(events).toMatchObject([{ reason: 'loader_error' }]);
    });

    it('denies (fail closed) when an async loader rejects', async () => {
      const answer = await call(url, 'GET', '/v1/lab/rejecting-loader/1', { token: alice });
      expect(answer).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(events).toMatchObject([{ reason: 'loader_error' }]);
    });

    it('passes a 4xx an async loader chose, and allows with an async policy', async () => {
      const malformed = await call(url, 'GET', '/v1/lab/strict-loader/abc', { token: alice });
      expect(malformed.status).toBe(400);
      expect(JSON.stringify(malformed.body)).toContain('id must be a number');
      expect(events).toEqual([]);
      const allowed = await call(url, 'GET', '/v1/lab/strict-loader/7', { token: alice });
      expect(allowed).toMatchObject({ status: 200, body: { reached: true } });
    });
  });

  describe('OPA decision point', () => {
    it('allows on {"result": true} and sends no token', async () => {
      const id = await create(alice);
      await call(url, 'POST', `/v1/lab/share/${id}/bob`, {
        token: token('alice', { scope: 'notes:share' }),
      });
      const answer = await call(url, 'GET', `/v1/lab/opa-notes/${id}`, { token: bob });
      expect(answer).toMatchObject({ status: 200, body: { id, title: 'groceries' } });
      expect(opa.inputs.at(-1)).toMatchObject({
        action: 'notes:read-opa',
        route: 'GET /v1/lab/opa-notes/:id',
        principal: { id: `${issuer.issuer}|bob`, subject: 'bob' },
      });
      expect(JSON.stringify(opa.inputs)).not.toContain(bob);
    });

    it('denies on an undefined rule', async () => {
      const id = await create(alice);
      expect((await call(url, 'GET', `/v1/lab/opa-notes/${id}`, { token: bob })).status).toBe(404);
      expect(events).toMatchObject([{ reason: 'policy_denied' }]);
    });

    it('denies (fail closed) when OPA does not answer within the timeout', async () => {
      const id = await create(alice);
      await call(url, 'POST', `/v1/lab/share/${id}/bob`, {
        token: token('alice', { scope: 'notes:share' }),
      });
      opa.mode = 'hang';
      const answer = await call(url, 'GET', `/v1/lab/opa-notes/${id}`, { token: bob });
      expect(answer).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(events).toMatchObject([{ reason: 'policy_error' }]);
    });

    it('regression: stops reading a streamed answer at the byte limit and denies (fail closed)', async () => {
      const id = await create(alice);
      await call(url, 'POST', `/v1/lab/share/${id}/bob`, {
        token: token('alice', { scope: 'notes:share' }),
      });
      opa.mode = 'stream';
      const answer = await call(url, 'GET', `/v1/lab/opa-notes/${id}`, { token: bob });
      expect(answer).toMatchObject({ status: 404, body: NOT_FOUND });
      expect(events).toMatchObject([{ reason: 'policy_error' }]);
      // The connection was cut near the 64 KiB limit (plus socket buffers), not read to 10 MB.
      expect(await opa.streamed).toBeLessThan(2 * 1024 * 1024);
    });

    it('denies (fail closed) when OPA answers an error status', async () => {
      const id = await create(alice);
      opa.mode = 'error';
      expect((await call(url, 'GET', `/v1/lab/opa-notes/${id}`, { token: alice })).status).toBe(
        404,
      );
      expect(events).toMatchObject([{ reason: 'policy_error' }]);
    });
  });

  describe('property level', () => {
    it.each([
      ['ownerId', { ownerId: 'https://evil|mallory' }, 'protected'],
      ['id', { id: '1' }, 'protected'],
      ['role', { role: 'admin' }, 'protected'],
      ['an undeclared field', { pinned: true }, 'unknown'],
    ])('rejects mass assignment of %s with 400', async (_name, extra, reason) => {
      const answer = await call(url, 'POST', '/v1/notes', {
        token: alice,
        json: { title: 't', body: 'b', ...extra },
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        type: 'urn:bulwark:problem:validation-failed',
        title: 'Validation Failed',
        status: 400,
        detail: `The request has invalid or unknown fields: ${Object.keys(extra)[0]}.`,
        errors: [{ field: Object.keys(extra)[0], rules: [reason] }],
      });
      expect(store.notes.size).toBe(0);
    });

    it('rejects ownerId on update and leaves the object unchanged', async () => {
      const id = await create(alice);
      const answer = await call(url, 'PATCH', `/v1/notes/${id}`, {
        token: alice,
        json: { title: 'x', ownerId: `${issuer.issuer}|bob` },
      });
      expect(answer.status).toBe(400);
      expect(store.notes.get(id)).toMatchObject({
        title: 'groceries',
        ownerId: `${issuer.issuer}|alice`,
      });
    });

    it.each([
      ['__proto__', '{"title":"t","body":"b","__proto__":{"polluted":true}}'],
      [
        'constructor.prototype',
        '{"title":"t","body":"b","constructor":{"prototype":{"polluted":true}}}',
      ],
      ['nested __proto__', '{"title":"t","body":"b","meta":{"__proto__":{"polluted":true}}}'],
    ])('refuses a %s payload with 400 and pollutes nothing', async (_name, raw) => {
      const answer = await call(url, 'POST', '/v1/notes', { token: alice, raw });
      expect(answer.status).toBe(400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(store.notes.size).toBe(0);
    });

    it('rejects an invalid field type with the constraint named', async () => {
      const answer = await call(url, 'POST', '/v1/notes', {
        token: alice,
        json: { title: 5, body: 'b' },
      });
      expect(answer.status).toBe(400);
      expect((answer.body as { errors: unknown }).errors).toEqual([
        { field: 'title', rules: ['maxLength', 'isString'] },
      ]);
    });

    it('returns only the declared fields of the view', async () => {
      const id = await create(alice);
      const answer = await call(url, 'GET', `/v1/notes/${id}`, { token: alice });
      expect(answer.body).toEqual({ id, title: 'groceries', body: 'milk' });
      const list = await call(url, 'GET', '/v1/admin/notes', { token: admin });
      expect(Object.keys((list.body as object[])[0] ?? {}).sort()).toEqual(['body', 'id', 'title']);
    });
  });
});
