import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Principal } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  hasRedis,
  type RedisServer,
  type RunningApp,
  startRedis,
  type TestIssuer,
} from '@bulwark/test-harness';
import {
  createDpopKey,
  createDpopProof,
  createHostileDpopProofs,
  type DpopKey,
} from '@bulwark/testing/dpop';
import { Controller, Get, Module } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthModule, type AuthModuleOptions, CurrentPrincipal } from '../src/index.js';

@Controller()
class ProbeController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id };
  }

  @Get('admin')
  admin(@CurrentPrincipal() principal: Principal) {
    return { admin: principal.id };
  }
}

function appModule(issuer: TestIssuer, options: AuthModuleOptions = {}) {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
        ...options,
      }),
    ],
    controllers: [ProbeController],
  })
  class AppModule {}
  return AppModule;
}

const ALGS = 'ES256 EdDSA RS256 PS256';
const INVALID_PROOF = `DPoP realm="api", error="invalid_dpop_proof", error_description="The DPoP proof is invalid", algs="${ALGS}"`;
const INVALID_DPOP_TOKEN = `DPoP realm="api", algs="${ALGS}", error="invalid_token", error_description="The access token is invalid"`;
const INVALID_BEARER_TOKEN =
  'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * GET over node:http with raw header pairs, so a request can carry two `DPoP` lines (fetch
 * would join them) and any `Host`.
 */
function get(url: string, headers: [string, string][]): Promise<Answer> {
  const withHost = headers.some(([name]) => name === 'host')
    ? headers
    : [['host', new URL(url).host] as [string, string], ...headers];
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers: withHost.flat() }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function dpopGet(url: string, token: string, proof: string, extra: [string, string][] = []) {
  return get(url, [['authorization', `DPoP ${token}`], ['dpop', proof], ...extra]);
}

function recordEvents() {
  const events: SecurityEvent[] = [];
  const unsubscribe = subscribeSecurityEvents((event) => events.push(event));
  return { events, unsubscribe };
}

describe.each(ADAPTERS)('DPoP (RFC 9449) on %s, default mode allowed', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  let key: DpopKey;
  let recorder: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await bootstrap(appModule(issuer), { adapter });
    key = createDpopKey();
  });
  afterAll(async () => {
    await running.close();
    await issuer.close();
  });
  beforeEach(() => {
    recorder = recordEvents();
  });
  afterEach(() => recorder.unsubscribe());

  const reasons = () => recorder.events.map((event) => event.reason);

  it('accepts a DPoP-bound token with an honest proof, and refuses the same proof again', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const proof = createDpopProof(key, { method: 'GET', url, accessToken: token });
    const first = await dpopGet(url, token, proof);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: `${issuer.issuer}|alice` });
    expect(first.headers['cache-control']).toBe('no-store');

    const replay = await dpopGet(url, token, proof);
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toBe(INVALID_PROOF);
    expect(replay.body).toMatchObject({
      type: 'urn:bulwark:problem:invalid-dpop-proof',
      status: 401,
    });
    expect(reasons()).toEqual(['dpop_proof_replayed']);
  });

  it('still accepts a plain bearer token, as allowed mode says', async () => {
    const response = await get(`${running.url}/me`, [['authorization', `Bearer ${issuer.mint()}`]]);
    expect(response.status).toBe(200);
  });

  const EXPECTED: Record<string, string> = {
    'typ:JWT': 'dpop_proof_type',
    'typ:missing': 'dpop_proof_type',
    'alg:none': 'dpop_proof_algorithm',
    'alg:HS256': 'dpop_proof_algorithm',
    'alg:ES384': 'dpop_proof_algorithm',
    'signature:flipped': 'dpop_proof_signature',
    'jwk:private': 'dpop_proof_key',
    'jwk:missing': 'dpop_proof_key',
    'claim:missing-jti': 'dpop_proof_claim',
    'claim:missing-htm': 'dpop_proof_claim',
    'claim:missing-htu': 'dpop_proof_claim',
    'claim:missing-iat': 'dpop_proof_claim',
    'claim:missing-ath': 'dpop_proof_claim',
    'htm:wrong': 'dpop_proof_htm',
    'htm:lower-case': 'dpop_proof_htm',
    'htu:wrong': 'dpop_proof_htu',
    'htu:other-host': 'dpop_proof_htu',
    'iat:hour-ago': 'dpop_proof_iat',
    'iat:hour-ahead': 'dpop_proof_iat',
    'ath:wrong': 'dpop_proof_ath',
    'key:other': 'dpop_key_mismatch',
  };

  it('refuses each hostile proof of the FAPI 2.0 DPoP negative tests with 401 invalid_dpop_proof', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const hostile = createHostileDpopProofs(key, { method: 'GET', url, accessToken: token });
    expect(hostile.map((entry) => entry.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const { id, proof } of hostile) {
      recorder.events.length = 0;
      const response = await dpopGet(url, token, proof);
      expect({ id, status: response.status }).toEqual({ id, status: 401 });
      expect(response.headers['www-authenticate']).toBe(INVALID_PROOF);
      expect({ id, reasons: reasons() }).toEqual({ id, reasons: [EXPECTED[id]] });
    }
    // None of them spent anything: an honest proof still passes.
    const honest = createDpopProof(key, { method: 'GET', url, accessToken: token });
    expect((await dpopGet(url, token, honest)).status).toBe(200);
  });

  it('refuses two DPoP headers, and none, with 401 invalid_dpop_proof', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const one = createDpopProof(key, { method: 'GET', url, accessToken: token });
    const two = createDpopProof(key, { method: 'GET', url, accessToken: token });
    const both = await dpopGet(url, token, one, [['dpop', two]]);
    expect(both.status).toBe(401);
    expect(both.headers['www-authenticate']).toBe(INVALID_PROOF);
    const none = await get(url, [['authorization', `DPoP ${token}`]]);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe(INVALID_PROOF);
    expect(reasons()).toEqual(['dpop_proof_multiple', 'dpop_proof_missing']);
    // The proofs refused above were not spent either.
    expect((await dpopGet(url, token, one)).status).toBe(200);
  });

  it('refuses a DPoP-bound token sent as Bearer (RFC 9449 §7.1), even once verified and cached', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const before = await get(url, [['authorization', `Bearer ${token}`]]);
    expect(before.status).toBe(401);
    expect(before.headers['www-authenticate']).toBe(INVALID_BEARER_TOKEN);
    const proof = createDpopProof(key, { method: 'GET', url, accessToken: token });
    expect((await dpopGet(url, token, proof)).status).toBe(200);
    const after = await get(url, [['authorization', `Bearer ${token}`]]);
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toBe(INVALID_BEARER_TOKEN);
    expect(reasons()).toEqual(['dpop_bound_token_as_bearer', 'dpop_bound_token_as_bearer']);
  });

  it('checks the proof on every request: a cached token with a bad proof is refused', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const good = createDpopProof(key, { method: 'GET', url, accessToken: token });
    expect((await dpopGet(url, token, good)).status).toBe(200);
    const other = createDpopProof(createDpopKey(), { method: 'GET', url, accessToken: token });
    const stale = createDpopProof(key, {
      method: 'GET',
      url,
      accessToken: token,
      now: Math.floor(Date.now() / 1000) - 3600,
    });
    expect((await dpopGet(url, token, other)).status).toBe(401);
    expect((await dpopGet(url, token, stale)).status).toBe(401);
    expect(reasons()).toEqual(['dpop_key_mismatch', 'dpop_proof_iat']);
  });

  it('answers 400 invalid_request with a DPoP challenge for a malformed DPoP Authorization header', async () => {
    for (const authorization of ['DPoP', 'DPoP a b', 'dpop "x"']) {
      const response = await get(`${running.url}/me`, [['authorization', authorization]]);
      expect(response.status).toBe(400);
      expect(response.headers['www-authenticate']).toBe(
        `DPoP realm="api", algs="${ALGS}", error="invalid_request", error_description="The Authorization header is malformed"`,
      );
    }
    expect(reasons()).toEqual(['malformed_header', 'malformed_header', 'malformed_header']);
  });

  it('refuses an unbound token under the DPoP scheme with 401 invalid_token', async () => {
    const token = issuer.mint();
    const url = `${running.url}/me`;
    const proof = createDpopProof(key, { method: 'GET', url, accessToken: token });
    const response = await dpopGet(url, token, proof);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(INVALID_DPOP_TOKEN);
    expect(reasons()).toEqual(['token_not_dpop_bound']);
  });

  it('normalizes htu: scheme and host case, the default port, and the query are ignored', async () => {
    const token = issuer.mintDpopBound(key);
    const port = new URL(running.url).port;
    const url = `${running.url}/me?page=2`;
    const proof = createDpopProof(key, {
      method: 'GET',
      url,
      accessToken: token,
      claims: { htu: `HTTP://LOCALHOST:${port}/me` },
    });
    const response = await dpopGet(url, token, proof, [['host', `LocalHost:${port}`]]);
    expect(response.status).toBe(200);
    // The default port is left out on both sides (RFC 3986 §6.2.3).
    const proxied = createDpopProof(key, {
      method: 'GET',
      url,
      accessToken: token,
      claims: { htu: 'http://api.example:80/me' },
    });
    expect((await dpopGet(url, token, proxied, [['host', 'api.example']])).status).toBe(200);
  });

  it('refuses a Host that is not a host and port: it cannot move a proof for one path to another', async () => {
    const token = issuer.mintDpopBound(key);
    const authority = new URL(running.url).host;
    // A proof made for /me, sent to /admin with a Host that ends in "/me?": joined naively, the
    // request's URI would read http://host/me?/admin, whose htu without the query is /me.
    for (const host of [`${authority}/me?`, `${authority}/me#`, `x@${authority}/me?`]) {
      const proof = createDpopProof(key, {
        method: 'GET',
        url: `${running.url}/me`,
        accessToken: token,
      });
      const response = await dpopGet(`${running.url}/admin`, token, proof, [['host', host]]);
      expect({ host, status: response.status }).toEqual({ host, status: 401 });
    }
    expect(reasons()).toEqual(['dpop_proof_htu', 'dpop_proof_htu', 'dpop_proof_htu']);
  });

  it('ignores X-Forwarded-Proto and X-Forwarded-Host from a peer that is not a trusted proxy', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const proof = createDpopProof(key, {
      method: 'GET',
      url: 'https://api.example.com/me',
      accessToken: token,
    });
    const response = await dpopGet(url, token, proof, [
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'api.example.com'],
    ]);
    expect(response.status).toBe(401);
    expect(reasons()).toEqual(['dpop_proof_htu']);
  });
});

describe.each(ADAPTERS)('DPoP on %s behind a trusted proxy', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  const key = createDpopKey('EdDSA');

  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await bootstrap(appModule(issuer, { dpop: { trustProxy: ['loopback'] } }), {
      adapter,
    });
  });
  afterAll(async () => {
    await running.close();
    await issuer.close();
  });

  it('compares htu with the scheme and host the client saw, from the nearest proxy', async () => {
    const token = issuer.mintDpopBound(key);
    const forwarded: [string, string][] = [
      ['x-forwarded-proto', 'http, https'],
      ['x-forwarded-host', 'evil.example, API.Example.com'],
    ];
    const seen = createDpopProof(key, {
      method: 'GET',
      url: 'https://api.example.com:443/me?x=1',
      accessToken: token,
    });
    expect((await dpopGet(`${running.url}/me`, token, seen, forwarded)).status).toBe(200);
    const direct = createDpopProof(key, {
      method: 'GET',
      url: `${running.url}/me`,
      accessToken: token,
    });
    expect((await dpopGet(`${running.url}/me`, token, direct, forwarded)).status).toBe(401);
    const spoofed = createDpopProof(key, {
      method: 'GET',
      url: 'http://evil.example/me',
      accessToken: token,
    });
    expect((await dpopGet(`${running.url}/me`, token, spoofed, forwarded)).status).toBe(401);
  });

  it('refuses an X-Forwarded-Host that is not a host and port, which would move a proof to another path', async () => {
    const token = issuer.mintDpopBound(key);
    const proof = createDpopProof(key, {
      method: 'GET',
      url: 'https://api.example.com/me',
      accessToken: token,
    });
    const forwarded: [string, string][] = [
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'api.example.com/me?'],
    ];
    expect((await dpopGet(`${running.url}/admin`, token, proof, forwarded)).status).toBe(401);
  });
});

describe.each(ADAPTERS)('DPoP on %s in mode required', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  const key = createDpopKey('RS256');

  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await bootstrap(appModule(issuer, { dpop: { mode: 'required' } }), { adapter });
  });
  afterAll(async () => {
    await running.close();
    await issuer.close();
  });

  it('refuses bearer tokens and asks for DPoP with its algorithms', async () => {
    const recorder = recordEvents();
    const bearer = await get(`${running.url}/me`, [['authorization', `Bearer ${issuer.mint()}`]]);
    expect(bearer.status).toBe(401);
    expect(bearer.headers['www-authenticate']).toBe(INVALID_DPOP_TOKEN);
    const none = await get(`${running.url}/me`, []);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe(`DPoP realm="api", algs="${ALGS}"`);
    recorder.unsubscribe();
    expect(recorder.events.map((event) => event.reason)).toEqual([
      'dpop_required',
      'missing_credentials',
    ]);
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const proof = createDpopProof(key, { method: 'GET', url, accessToken: token });
    expect((await dpopGet(url, token, proof)).status).toBe(200);
  });
});

describe.each(ADAPTERS)('DPoP on %s in mode off', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  const key = createDpopKey();

  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await bootstrap(appModule(issuer, { dpop: { mode: 'off' } }), { adapter });
  });
  afterAll(async () => {
    await running.close();
    await issuer.close();
  });

  it('treats DPoP as another scheme, and still refuses a bound token as Bearer', async () => {
    const token = issuer.mintDpopBound(key);
    const url = `${running.url}/me`;
    const proof = createDpopProof(key, { method: 'GET', url, accessToken: token });
    const dpop = await dpopGet(url, token, proof);
    expect(dpop.status).toBe(401);
    expect(dpop.headers['www-authenticate']).toBe('Bearer realm="api"');
    const bearer = await get(url, [['authorization', `Bearer ${token}`]]);
    expect(bearer.status).toBe(401);
    expect(bearer.headers['www-authenticate']).toBe(INVALID_BEARER_TOKEN);
  });
});

describe.each(ADAPTERS)('DPoP server nonces (RFC 9449 §9) on %s', (adapter) => {
  let issuer: TestIssuer;
  let first: RunningApp;
  let second: RunningApp;
  let now = Date.now();
  const clock = () => now;
  const key = createDpopKey();

  beforeAll(async () => {
    issuer = await createTestIssuer();
    const folder = mkdtempSync(join(tmpdir(), 'bulwark-dpop-nonce-'));
    const nonceKeyFile = join(folder, 'nonce.key');
    writeFileSync(nonceKeyFile, `${'k'.repeat(48)}\n`, { mode: 0o600 });
    const options: AuthModuleOptions = {
      clock,
      dpop: { nonce: true, nonceKeyFile, nonceStepSeconds: 60, maxAgeSeconds: 600 },
    };
    first = await bootstrap(appModule(issuer, options), { adapter });
    second = await bootstrap(appModule(issuer, options), { adapter });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await issuer.close();
  });

  it('asks for a nonce, accepts it on any replica, and asks again once it has rotated out', async () => {
    // The token's times come from the app's clock, not from when this test happens to run.
    const token = issuer.mintDpopBound(key, { ttlSeconds: 3600, now: Math.floor(now / 1000) });
    const proofFor = (base: string, nonce?: string) =>
      createDpopProof(key, {
        method: 'GET',
        url: `${base}/me`,
        accessToken: token,
        nonce,
        now: Math.floor(now / 1000),
      });

    const asked = await dpopGet(`${first.url}/me`, token, proofFor(first.url));
    expect(asked.status).toBe(401);
    expect(asked.headers['www-authenticate']).toBe(
      `DPoP realm="api", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="${ALGS}"`,
    );
    const nonce = asked.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);

    const accepted = await dpopGet(`${first.url}/me`, token, proofFor(first.url, nonce));
    expect(accepted.status).toBe(200);
    expect(accepted.headers['dpop-nonce']).toBe(nonce);
    // Stateless: the other replica, with the same key, accepts the nonce the first one minted.
    expect((await dpopGet(`${second.url}/me`, token, proofFor(second.url, nonce))).status).toBe(
      200,
    );

    const forged = await dpopGet(`${first.url}/me`, token, proofFor(first.url, `${nonce}x`));
    expect(forged.status).toBe(401);
    expect(forged.headers['www-authenticate']).toContain('error="use_dpop_nonce"');

    // One step later the nonce still passes (and a fresh one comes back); two steps later not.
    now += 60_000;
    const next = await dpopGet(`${first.url}/me`, token, proofFor(first.url, nonce));
    expect(next.status).toBe(200);
    expect(next.headers['dpop-nonce']).not.toBe(nonce);
    now += 60_000;
    const rotated = await dpopGet(`${first.url}/me`, token, proofFor(first.url, nonce));
    expect(rotated.status).toBe(401);
    expect(rotated.headers['www-authenticate']).toContain('error="use_dpop_nonce"');
    const fresh = rotated.headers['dpop-nonce'] as string;
    expect((await dpopGet(`${first.url}/me`, token, proofFor(first.url, fresh))).status).toBe(200);
  });
});

describe.each(ADAPTERS)('the bounded memory replay store on %s', (adapter) => {
  let issuer: TestIssuer;
  let running: RunningApp;
  let now = Date.now();
  const key = createDpopKey();

  beforeAll(async () => {
    issuer = await createTestIssuer();
    running = await bootstrap(
      appModule(issuer, { clock: () => now, dpop: { replayMaxEntries: 1, maxAgeSeconds: 60 } }),
      { adapter },
    );
  });
  afterAll(async () => {
    await running.close();
    await issuer.close();
  });

  it('refuses with 503 and Retry-After when full of live proofs, never forgetting one', async () => {
    // The token's times come from the app's clock, not from when this test happens to run.
    const token = issuer.mintDpopBound(key, { ttlSeconds: 3600, now: Math.floor(now / 1000) });
    const url = `${running.url}/me`;
    const proof = () =>
      createDpopProof(key, { method: 'GET', url, accessToken: token, now: Math.floor(now / 1000) });
    const kept = proof();
    expect((await dpopGet(url, token, kept)).status).toBe(200);
    const full = await dpopGet(url, token, proof());
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('5');
    expect(full.body).toMatchObject({ type: 'urn:bulwark:problem:authentication-unavailable' });
    expect((await dpopGet(url, token, kept)).status).toBe(401);
    // Once the first proof is past its window (60 s + 2 × 5 s tolerance), its slot is free.
    now += 71_000;
    expect((await dpopGet(url, token, proof())).status).toBe(200);
  });
});

describe.skipIf(!hasRedis()).each(ADAPTERS)(
  'DPoP replay across replicas sharing Redis on %s',
  (adapter) => {
    let issuer: TestIssuer;
    let redis: RedisServer;
    let first: RunningApp;
    let second: RunningApp;
    const key = createDpopKey();

    beforeAll(async () => {
      issuer = await createTestIssuer();
      redis = await startRedis();
      const options: AuthModuleOptions = { dpop: { redis: redis.url, replayTimeoutMs: 2000 } };
      first = await bootstrap(appModule(issuer, options), { adapter });
      second = await bootstrap(appModule(issuer, options), { adapter });
    });
    afterAll(async () => {
      await first.close();
      await second.close();
      await redis.stop();
      await issuer.close();
    });

    it('refuses a proof replayed to the other replica, and answers 503 while Redis is down', async () => {
      const token = issuer.mintDpopBound(key);
      const path = '/me';
      // Both replicas serve the same public URL behind one host name.
      const host: [string, string] = ['host', 'api.example'];
      const proof = createDpopProof(key, {
        method: 'GET',
        url: `http://api.example${path}`,
        accessToken: token,
      });
      const accepted = await dpopGet(`${first.url}${path}`, token, proof, [host]);
      expect(accepted.status).toBe(200);
      const replayed = await dpopGet(`${second.url}${path}`, token, proof, [host]);
      expect(replayed.status).toBe(401);
      expect(replayed.headers['www-authenticate']).toBe(INVALID_PROOF);

      await redis.kill();
      const fresh = createDpopProof(key, {
        method: 'GET',
        url: `http://api.example${path}`,
        accessToken: token,
      });
      const down = await dpopGet(`${second.url}${path}`, token, fresh, [host]);
      expect(down.status).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.body).toMatchObject({ type: 'urn:bulwark:problem:authentication-unavailable' });

      await redis.restart();
      let status = 0;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) {
        const proof = createDpopProof(key, {
          method: 'GET',
          url: `http://api.example${path}`,
          accessToken: token,
        });
        status = (await dpopGet(`${second.url}${path}`, token, proof, [host])).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    });
  },
);
