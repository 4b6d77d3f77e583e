import {
  assertConformance,
  createTestIssuer,
  runConformance,
  type TestIssuer,
} from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER } from '../src/adapter.js';
import { NOTES_HINTS } from './notes.conformance.js';
import { type RunningService, startTestService } from './support.js';

describe(`the notes resource on ${ADAPTER}`, () => {
  let issuer: TestIssuer;
  let service: RunningService;

  const token = (sub: string, claims: Record<string, unknown> = {}) =>
    issuer.mint({ claims: { sub, scope: 'notes:read notes:write', ...claims } });
  const call = (method: string, path: string, bearer?: string, body?: unknown) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const create = async (bearer: string, title = 'groceries') => {
    const response = await call('POST', '/v1/notes', bearer, { title, body: 'milk' });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };

  beforeAll(async () => {
    issuer = await createTestIssuer();
    service = await startTestService(issuer, { RATE_LIMIT_MAX: '1000' });
  });
  afterAll(async () => {
    await service?.close();
    await issuer?.close();
  });

  it('answers 401 with a Bearer challenge without a token, adding invalid_token for a bad one', async () => {
    const anonymous = await call('GET', '/v1/notes');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const forged = await call('GET', '/v1/notes', `${token('alice')}x`);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('creates a note owned by the caller: 201, Location, declared fields only, no-store', async () => {
    const alice = token('alice');
    const response = await call('POST', '/v1/notes', alice, { title: 't', body: 'b' });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const note = (await response.json()) as Record<string, unknown>;
    expect(response.headers.get('location')).toBe(`/v1/notes/${note.id}`);
    expect(Object.keys(note).sort()).toEqual(['body', 'createdAt', 'id', 'title', 'updatedAt']);
    expect((await call('GET', `/v1/notes/${note.id}`, alice)).status).toBe(200);
  });

  it('refuses unknown and protected body fields with a 400 problem, creating nothing', async () => {
    const dave = token('dave');
    for (const extra of [{ color: 'red' }, { ownerId: 'someone-else' }, { id: 'x' }]) {
      const response = await call('POST', '/v1/notes', dave, { title: 't', body: 'b', ...extra });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const page = (await (await call('GET', '/v1/notes', dave)).json()) as { items: unknown[] };
    expect(page.items).toEqual([]);
  });

  it('answers 403 insufficient_scope when the token lacks the scope', async () => {
    const readOnly = token('erin', { scope: 'notes:read' });
    const response = await call('POST', '/v1/notes', readOnly, { title: 't', body: 'b' });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="notes:write"');
    expect((await call('GET', '/v1/notes', token('erin', { scope: 'profile' }))).status).toBe(403);
  });

  it("hides other callers' notes (404), lets an admin read but not change them", async () => {
    const { id } = await create(token('alice'));
    const bob = token('bob');
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const body = method === 'PATCH' ? { title: 'stolen' } : undefined;
      const response = await call(method, `/v1/notes/${id}`, bob, body);
      expect(response.status, method).toBe(404);
    }
    expect((await call('GET', '/v1/notes/no-such-id', bob)).status).toBe(404);
    const admin = token('root', { roles: ['admin'] });
    expect((await call('GET', `/v1/notes/${id}`, admin)).status).toBe(200);
    expect((await call('PATCH', `/v1/notes/${id}`, admin, { title: 'x' })).status).toBe(404);
    const mine = (await (await call('GET', `/v1/notes/${id}`, token('alice'))).json()) as {
      title: string;
    };
    expect(mine.title).toBe('groceries');
  });

  it('lets the owner update and delete', async () => {
    const frank = token('frank');
    const { id } = await create(frank);
    const updated = await call('PATCH', `/v1/notes/${id}`, frank, { title: 'renamed' });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ id, title: 'renamed', body: 'milk' });
    expect((await call('DELETE', `/v1/notes/${id}`, frank)).status).toBe(204);
    expect((await call('GET', `/v1/notes/${id}`, frank)).status).toBe(404);
  });

  it("lists only the caller's notes, with limit capped at 100", async () => {
    const grace = token('grace');
    await create(grace, 'g1');
    await create(grace, 'g2');
    await create(token('heidi'), 'h1');
    const response = await call('GET', '/v1/notes?limit=1000', grace);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: { title: string }[]; limit: number };
    expect(page.limit).toBe(100);
    expect(page.items.map((n) => n.title)).toEqual(['g1', 'g2']);
    expect(JSON.stringify(page)).not.toContain('ownerId');
    expect((await call('GET', '/v1/notes?limit=abc', grace)).status).toBe(400);
  });

  it('serves the admin listing to role admin only (403 otherwise)', async () => {
    expect((await call('GET', '/v1/admin/notes', token('ivan'))).status).toBe(403);
    const spoofed = token('ivan', { roles: 'admin', role: 'admin', groups: ['admin'] });
    expect((await call('GET', '/v1/admin/notes', spoofed)).status).toBe(403);
    const admin = await call('GET', '/v1/admin/notes', token('root', { roles: ['admin'] }));
    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { items: unknown[] }).items.length).toBeGreaterThan(1);
  });

  it('pages with the next cursor (keyset), refusing a malformed cursor and offset with 400', async () => {
    const olivia = token('olivia');
    for (const title of ['o1', 'o2', 'o3']) await create(olivia, title);
    const first = (await (await call('GET', '/v1/notes?limit=2', olivia)).json()) as {
      items: { title: string }[];
      next: string | null;
    };
    expect(first.items.map((n) => n.title)).toEqual(['o1', 'o2']);
    expect(first.next).toEqual(expect.any(String));
    const second = (await (
      await call('GET', `/v1/notes?limit=2&after=${first.next}`, olivia)
    ).json()) as { items: { title: string }[]; next: string | null };
    expect(second.items.map((n) => n.title)).toEqual(['o3']);
    expect(second.next).toBeNull();
    expect((await call('GET', "/v1/notes?after='%20OR%201=1--", olivia)).status).toBe(400);
    expect((await call('GET', '/v1/notes?offset=1', olivia)).status).toBe(400);
  });

  it('stores hostile strings exactly as given, or refuses them with a 400 problem, never a 500', async () => {
    const peggy = token('peggy');
    const hostile = [
      "it's a 'quoted' \"title\"",
      "x'; DROP TABLE notes; --",
      "' OR '1'='1",
      '$1 $$ \\ %s %n',
      `${'\u{1F512}'.repeat(199)}é`,
    ];
    for (const title of hostile) {
      const body = `${title}\n${'\u{10FFFF}\u200B\u202E'.repeat(3000)}`;
      const response = await call('POST', '/v1/notes', peggy, { title, body });
      expect(response.status, title).toBe(201);
      const { id } = (await response.json()) as { id: string };
      const read = (await (await call('GET', `/v1/notes/${id}`, peggy)).json()) as {
        title: string;
        body: string;
      };
      expect(read).toMatchObject({ title, body });
    }
    // PostgreSQL text cannot hold a NUL byte: the database refuses it (400); a store that can
    // hold it must give it back unchanged.
    const nul = await call('POST', '/v1/notes', peggy, { title: 'a\u0000b', body: '' });
    if (nul.status === 201) {
      const { id } = (await nul.json()) as { id: string };
      const read = (await (await call('GET', `/v1/notes/${id}`, peggy)).json()) as {
        title: string;
      };
      expect(read.title).toBe('a\u0000b');
      await call('DELETE', `/v1/notes/${id}`, peggy);
    } else {
      expect(nul.status).toBe(400);
      expect(nul.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const tooLong = await call('POST', '/v1/notes', peggy, { title: 'x'.repeat(201), body: '' });
    expect(tooLong.status).toBe(400);
    expect((await call('GET', "/v1/notes/'%20OR%20'1'='1", peggy)).status).toBe(404);
    const page = (await (await call('GET', '/v1/notes', peggy)).json()) as { items: unknown[] };
    expect(page.items).toHaveLength(hostile.length);
  });

  it('answers 409 for a second note with the same title, naming no table or constraint', async () => {
    const quinn = token('quinn');
    await create(quinn, 'unique');
    const again = await call('POST', '/v1/notes', quinn, { title: 'unique', body: 'again' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await again.text();
    for (const leak of [
      'notes_owner_title_key',
      'owner_id',
      'insert into',
      'constraint',
      '23505',
    ]) {
      expect(text.toLowerCase(), leak).not.toContain(leak);
    }
    // Another owner may use the same title.
    await create(token('rupert'), 'unique');
  });
});

describe(`rate limiting on ${ADAPTER}`, () => {
  let issuer: TestIssuer;
  let service: RunningService;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    service = await startTestService(issuer, {
      RATE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
  });
  afterAll(async () => {
    await service?.close();
    await issuer?.close();
  });

  it('answers 429 past the budget, with Retry-After and the RateLimit headers', async () => {
    const bearer = issuer.mint({ claims: { sub: 'judy', scope: 'notes:read' } });
    const get = () =>
      fetch(`${service.url}/v1/notes`, { headers: { authorization: `Bearer ${bearer}` } });
    const admitted = await get();
    expect(admitted.status).toBe(200);
    expect(admitted.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(admitted.headers.get('ratelimit')).toMatch(/r=2/);
    await get();
    await get();
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers.get('ratelimit')).toMatch(/r=0/);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // The budget is per principal: another caller is still admitted.
    const other = issuer.mint({ claims: { sub: 'ken', scope: 'notes:read' } });
    const response = await fetch(`${service.url}/v1/notes`, {
      headers: { authorization: `Bearer ${other}` },
    });
    expect(response.status).toBe(200);
  });
});

describe(`the Bulwark conformance suite on ${ADAPTER}`, () => {
  let issuer: TestIssuer;
  let service: RunningService;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    service = await startTestService(issuer);
  });
  afterAll(async () => {
    await service?.close();
    await issuer?.close();
  });

  it('passes every check: JWT attacks, BOLA, BFLA, problem details, headers, rate limit, leaks', async () => {
    let report = '';
    const result = await runConformance(service.url, {
      issuer,
      ...NOTES_HINTS,
      rateLimit: { path: '/v1/notes', claims: { scope: 'notes:read' }, maxRequests: 150 },
      print: (text) => {
        report = text;
      },
    });
    expect(result.failures, report).toEqual([]);
    assertConformance(result);
    expect(result.skipped).toBe(0);
  });
});
