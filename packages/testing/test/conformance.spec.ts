import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertConformance,
  type ConformanceHints,
  type ConformanceResult,
  createTestCa,
  createTestIssuer,
  runConformance,
  type TestCa,
  type TestIssuer,
  TestingError,
} from '../src/index.js';
import { type Defects, type ReferenceTls, startReferenceService } from './reference-service.js';

const WRITER = { scope: 'notes:read notes:write' };

function hintsFor(issuer: TestIssuer, extra: Partial<ConformanceHints> = {}): ConformanceHints {
  return {
    issuer,
    protectedRoute: { path: '/v1/notes', claims: { scope: 'notes:read' } },
    resource: {
      create: { path: '/v1/notes', body: { title: 'mine' } },
      path: '/v1/notes/:id',
      owner: { sub: 'alice', ...WRITER },
      intruder: { sub: 'mallory', ...WRITER },
      update: { title: 'stolen' },
    },
    admin: { path: '/v1/admin/notes', user: { scope: 'notes:read' }, admin: { roles: ['admin'] } },
    rateLimit: { path: '/v1/notes', claims: { scope: 'notes:read' }, maxRequests: 40 },
    // The reference service has no DPoP; @bulwark/auth's conformance test proves those probes.
    dpop: false,
    print: false,
    ...extra,
  };
}

const failedIds = (result: ConformanceResult) => result.failures.map((f) => f.id);

describe('runConformance', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  async function against(defects: Defects, extra: Partial<ConformanceHints> = {}) {
    const service = await startReferenceService(issuer, defects);
    try {
      return await runConformance(service.url, hintsFor(issuer, extra));
    } finally {
      await service.close();
    }
  }

  describe('when the service keeps the contract', () => {
    let result: ConformanceResult;
    let report = '';
    beforeAll(async () => {
      result = await against({}, { print: (text) => (report = text), verbose: true });
    });

    it('passes every check and skips none', () => {
      expect(result.failures).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.skipped).toBe(0);
      expect(result.passed).toBe(result.checks.length);
    });

    it('runs every family, each attack token included', () => {
      const ids = result.checks.map((c) => c.id);
      for (const id of [
        'probes/live',
        'jwt/control',
        'jwt/no-credentials',
        'jwt/query-token',
        'jwt/alg-none:nOnE',
        'jwt/hs256-public-key:pem',
        'jwt/header-key:jku',
        'jwt/kid-injection:path-traversal',
        'jwt/attacker-never-called',
        'bola/intruder-get',
        'bola/intruder-patch',
        'bola/intruder-delete',
        'bola/unchanged',
        'bfla/user',
        'bfla/role-as-string',
        'mass-assignment/array-protected-field',
        'problem-details/not-found',
        'problem-details/invalid-json',
        'problem-details/body-limit',
        'headers/not-found-404',
        'headers/authenticated-200',
        'rate-limit/headers',
        'rate-limit/429',
        'rate-limit/failed-auth-no-lockout',
        'leaks/all-answers',
      ]) {
        expect(ids).toContain(id);
      }
    });

    it('prints a report with every category and a verdict', () => {
      expect(report).toContain(`Bulwark conformance of ${result.baseUrl}`);
      expect(report).toMatch(/ {2}jwt: ok \(\d+ passed, 0 failed, 0 skipped\)/);
      expect(report).toContain('✓ jwt/alg-none:NONE');
      expect(report).toMatch(/^CONFORMANT: \d+ checks passed, 0 failed, 0 skipped/m);
      expect(() => assertConformance(result)).not.toThrow();
    });
  });

  it('skips the DPoP probes of a service without DPoP, and fails them when DPoP is required', async () => {
    const probed = await against({}, { only: ['dpop'], dpop: undefined });
    expect(probed.checks).toEqual([
      expect.objectContaining({ id: 'dpop/control', status: 'skip' }),
    ]);
    expect(probed.checks[0]?.detail).toContain('the service does not accept DPoP');
    const required = await against({}, { only: ['dpop'], dpop: true });
    expect(failedIds(required)).toEqual(['dpop/control']);
  });

  it('catches a service that takes an array body carrying a protected field', async () => {
    const result = await against({ massAssignment: true }, { only: ['mass-assignment'] });
    expect(failedIds(result)).toEqual(['mass-assignment/array-protected-field']);
    expect(result.failures[0]?.detail).toBe('status 201, expected 400 or 422');
    expect(result.failures[0]?.request).toBe('POST /v1/notes [{…, "ownerId": …}]');
  });

  it('sends the mass-assignment probe to the route and field the hint names, or skips it', async () => {
    const named = await against(
      {},
      {
        only: ['mass-assignment'],
        massAssignment: {
          route: { path: '/v1/notes', claims: WRITER, body: [{ title: 'a' }] },
          field: 'role',
        },
      },
    );
    expect(named.checks).toEqual([
      expect.objectContaining({
        id: 'mass-assignment/array-protected-field',
        status: 'pass',
        request: 'POST /v1/notes [{…, "role": …}]',
      }),
    ]);
    const skipped = await against({}, { only: ['mass-assignment'], massAssignment: false });
    expect(skipped.checks).toEqual([
      expect.objectContaining({ status: 'skip', detail: 'massAssignment is false' }),
    ]);
    const noRoute = await against({}, { only: ['mass-assignment'], resource: undefined });
    expect(noRoute.checks).toEqual([
      expect.objectContaining({
        status: 'skip',
        detail: 'no massAssignment.route hint and no resource hint',
      }),
    ]);
  });

  it('catches a verifier that skips the signature', async () => {
    const result = await against({ skipSignature: true }, { only: ['jwt'] });
    expect(failedIds(result)).toEqual(
      expect.arrayContaining([
        'jwt/alg-none:none',
        'jwt/signature:tampered-payload',
        'jwt/signature:es256-all-zero',
        'jwt/hs256-public-key:jwk',
        'jwt/header-key:jwk',
        'jwt/unknown-kid',
      ]),
    );
    // The length check runs before any decoding, so it still holds.
    expect(failedIds(result)).not.toContain('jwt/size:oversized');
    expect(result.failures.find((f) => f.id === 'jwt/alg-none:none')?.detail).toContain(
      'status 200, expected 401',
    );
  });

  it("catches a verifier that fetches the attacker's jku", async () => {
    const result = await against({ fetchJku: true }, { only: ['jwt'] });
    expect(failedIds(result)).toEqual(['jwt/attacker-never-called']);
    expect(result.failures[0]?.detail).toContain('attacker host got GET /attacker/jwks.json');
  });

  it('catches BOLA: another user reads, changes and deletes the object', async () => {
    const result = await against({ noOwnerCheck: true }, { only: ['bola'] });
    expect(failedIds(result)).toEqual([
      'bola/intruder-get',
      'bola/intruder-patch',
      'bola/intruder-delete',
      'bola/unchanged',
    ]);
  });

  it('catches BFLA: a role claim of the wrong type is honoured', async () => {
    const result = await against({ roleString: true }, { only: ['bfla'] });
    expect(failedIds(result)).toEqual(['bfla/role-as-string']);
  });

  it('catches missing security headers on every kind of answer', async () => {
    const result = await against({ noHeaders: true }, { only: ['headers'] });
    expect(failedIds(result)).toEqual([
      'headers/public-200',
      'headers/unauthenticated-401',
      'headers/authenticated-200',
      'headers/not-found-404',
    ]);
    expect(result.failures[0]?.detail).toContain(
      `Content-Security-Policy lacks default-src 'none'`,
    );
    expect(result.failures[0]?.detail).toContain('X-Powered-By is sent ("Express")');
  });

  it('catches a stack trace in an error body', async () => {
    const result = await against({ leakStack: true }, { only: ['problem-details', 'leaks'] });
    expect(failedIds(result)).toContain('problem-details/invalid-json');
    const leak = result.failures.find((f) => f.category === 'leaks');
    expect(leak?.id).toBe('leaks/500 POST /v1/notes');
    expect(leak?.detail).toMatch(/runtime error: SyntaxError:/);
    expect(leak?.detail).toMatch(/stack frame|node_modules|absolute path|file URL/);
  });

  it('catches internals in the readiness body', async () => {
    const result = await against({ readyInternals: true }, { only: ['probes'] });
    expect(failedIds(result)).toEqual(['probes/no-internals-ready']);
    expect(result.failures[0]?.detail).toContain('URL: redis://10.0.0.5:6379');
  });

  it('catches a missing rate limit', async () => {
    const result = await against({ noRateLimit: true }, { only: ['rate-limit'] });
    expect(failedIds(result)).toEqual(['rate-limit/headers', 'rate-limit/429']);
    expect(result.failures[1]?.detail).toBe('40 requests, none limited');
  });

  it('catches a failed-authentication limiter that locks out a valid token from the address', async () => {
    const result = await against({ lockoutAddress: true }, { only: ['rate-limit'] });
    expect(failedIds(result)).toEqual(['rate-limit/failed-auth-no-lockout']);
    expect(result.failures[0]?.detail).toBe(
      'a valid token got 429 after 150 failed attempts from the same address (100 × 401, 50 × 429): one client can get every caller behind its address refused',
    );
  });

  it('sends as many failed attempts as the hint says, or none', async () => {
    const rateLimit = { path: '/v1/notes', claims: { scope: 'notes:read' }, maxRequests: 40 };
    const few = await against(
      { lockoutAddress: true },
      { only: ['rate-limit'], rateLimit: { ...rateLimit, failedAttempts: 20 } },
    );
    // Below the service's limit of 100, the lockout cannot show.
    expect(failedIds(few)).toEqual([]);
    const none = await against(
      { lockoutAddress: true },
      { only: ['rate-limit'], rateLimit: { ...rateLimit, failedAttempts: false } },
    );
    expect(none.checks.find((c) => c.id === 'rate-limit/failed-auth-no-lockout')).toMatchObject({
      status: 'skip',
      detail: 'rateLimit.failedAttempts is false',
    });
  });

  it('turns failures into a TestingError that lists them', async () => {
    const result = await against({ roleString: true }, { only: ['bfla'] });
    let thrown: unknown;
    try {
      assertConformance(result);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TestingError);
    expect((thrown as TestingError).code).toBe('CONFORMANCE_FAILED');
    expect((thrown as TestingError).message).toContain('1 conformance check(s) failed against');
    expect((thrown as TestingError).message).toContain(
      '- bfla/role-as-string: an admin role role as string is not honoured',
    );
  });

  it('skips what the hints leave out, and says why', async () => {
    const result = await against(
      {},
      {
        resource: undefined,
        admin: undefined,
        rateLimit: undefined,
        only: ['bola', 'bfla', 'rate-limit'],
      },
    );
    expect(result.checks.map((c) => [c.id, c.status, c.detail])).toEqual([
      ['bola/all', 'skip', 'no resource hint'],
      ['bfla/all', 'skip', 'no admin hint'],
      ['rate-limit/all', 'skip', 'no rateLimit hint'],
    ]);
    expect(result.ok).toBe(true);
  });

  it('fails a check, not the run, when the service hangs', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const server: Server = createServer(() => undefined);
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await runConformance(url, {
        ...hintsFor(issuer),
        only: ['probes'],
        timeoutMs: 150,
      });
      expect(failedIds(result)).toContain('probes/live');
      expect(result.failures[0]?.detail).toBe('no answer within 150 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ['not a url', {}, 'baseUrl: "not a url" is not a URL'],
    ['ftp://127.0.0.1', {}, 'baseUrl: only http and https are supported, got ftp:'],
    ['http://127.0.0.1:1', { protectedRoute: { path: 'v1' } }, 'hints.protectedRoute.path:'],
    ['http://127.0.0.1:1', { only: ['jwt', 'xss'] }, 'hints.only: unknown category "xss"'],
    ['http://127.0.0.1:1', { issuer: undefined }, 'hints.issuer: pass the TestIssuer'],
    [
      'http://127.0.0.1:1',
      { rateLimit: { path: '/v1/notes', failedAttempts: 0 } },
      'hints.rateLimit.failedAttempts: give a whole number from 1 to 10000',
    ],
    [
      'http://127.0.0.1:1',
      { massAssignment: { field: '' } },
      "hints.massAssignment.field: give the name of a protected field, such as 'ownerId'",
    ],
    [
      'http://127.0.0.1:1',
      { massAssignment: { route: { path: 'v1/notes' } } },
      "hints.massAssignment.route.path: give a route that takes a body, starting with '/'",
    ],
    ['http://127.0.0.1:1', { dpop: 'yes' }, 'hints.dpop: give true (DPoP required), false'],
  ])('refuses bad input %s with INVALID_HINTS', async (url, extra, message) => {
    const hints = { ...hintsFor(issuer), ...extra } as ConformanceHints;
    await expect(runConformance(url, hints)).rejects.toMatchObject({
      code: 'INVALID_HINTS',
      message: expect.stringContaining(message),
    });
  });
});

describe('runConformance with mTLS', () => {
  let issuer: TestIssuer;
  let ca: TestCa;
  let tls: ReferenceTls;
  beforeAll(async () => {
    issuer = await createTestIssuer();
    ca = createTestCa();
    const server = ca.issueServer();
    tls = { key: server.key, cert: server.cert, ca: ca.certificate };
  });
  afterAll(async () => {
    ca.close();
    await issuer.close();
  });

  async function against(defects: Defects, extra: Partial<ConformanceHints> = {}) {
    const service = await startReferenceService(issuer, defects, tls);
    try {
      return await runConformance(service.url, hintsFor(issuer, { mtls: { ca }, ...extra }));
    } finally {
      await service.close();
    }
  }

  it('passes every check of the suite over mTLS, the mTLS probes included', async () => {
    const result = await against({});
    expect(result.failures).toEqual([]);
    expect(result.skipped).toBe(0);
    expect(result.checks.filter((c) => c.category === 'mtls').map((c) => c.id)).toEqual([
      'mtls/control',
      'mtls/no-certificate',
      'mtls/other-ca',
      'mtls/expired',
      'mtls/live-without-certificate',
      'mtls/bound-token',
      'mtls/bound-token-other-certificate',
    ]);
    expect(result.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['jwt/control', 'bola/intruder-get', 'rate-limit/429']),
    );
  });

  it('leaves mTLS out for plain HTTP, and skips it for HTTPS without an mtls hint', async () => {
    const plain = await startReferenceService(issuer);
    const secure = await startReferenceService(issuer, {}, tls);
    try {
      const http = await runConformance(plain.url, { ...hintsFor(issuer), only: ['mtls'] });
      expect(http.checks).toEqual([]);
      const https = await runConformance(secure.url, { ...hintsFor(issuer), only: ['mtls'] });
      expect(https.checks).toEqual([
        expect.objectContaining({
          id: 'mtls/all',
          status: 'skip',
          detail: 'no mtls hint; give hints.mtls when the service verifies client certificates',
        }),
      ]);
      const off = await runConformance(secure.url, {
        ...hintsFor(issuer),
        only: ['mtls'],
        mtls: false,
      });
      expect(off.checks).toEqual([]);
    } finally {
      await plain.close();
      await secure.close();
    }
  });

  it('skips the certificate-bound probes when certificateBound is false', async () => {
    const result = await against(
      { ignoreCertificateBinding: true },
      { only: ['mtls'], mtls: { ca, certificateBound: false } },
    );
    expect(result.failures).toEqual([]);
    expect(result.checks.at(-1)).toMatchObject({
      id: 'mtls/bound-token',
      status: 'skip',
      detail: 'mtls.certificateBound is false',
    });
  });

  it('catches a service that admits certificates from another CA and expired ones', async () => {
    const result = await against({ anyCertificate: true }, { only: ['mtls'] });
    expect(failedIds(result)).toEqual(['mtls/other-ca', 'mtls/expired']);
    expect(result.failures[0]?.detail).toMatch(/^status 200, expected 401/);
    expect(result.failures[0]?.request).toBe('GET /v1/notes (certificate from another CA)');
  });

  it('counts a handshake refusal as a refusal, but not for probes or a request without a certificate', async () => {
    const result = await against({ rejectInHandshake: true }, { only: ['mtls'] });
    expect(result.checks.find((c) => c.id === 'mtls/other-ca')?.status).toBe('pass');
    expect(result.checks.find((c) => c.id === 'mtls/expired')?.status).toBe('pass');
    expect(failedIds(result)).toEqual(['mtls/no-certificate', 'mtls/live-without-certificate']);
  });

  it('catches a service that lets requests without a certificate through', async () => {
    const result = await against({ noCertificateRequired: true }, { only: ['mtls'] });
    expect(failedIds(result)).toEqual(['mtls/no-certificate']);
    expect(result.failures[0]?.detail).toMatch(/^status 200, expected 401/);
  });

  it('accepts requests without a certificate when the hint says clientAuth is optional', async () => {
    const result = await against(
      { noCertificateRequired: true },
      { only: ['mtls'], mtls: { ca, clientAuth: 'optional' } },
    );
    expect(result.failures).toEqual([]);
    expect(result.checks.find((c) => c.id === 'mtls/no-certificate')?.status).toBe('pass');
  });

  it('catches probes that need a client certificate', async () => {
    const result = await against({ certificateOnProbes: true }, { only: ['mtls', 'probes'] });
    expect(failedIds(result)).toEqual(['mtls/live-without-certificate']);
    expect(result.failures[0]?.detail).toBe('status 401, expected 200');
  });

  it('catches a service that accepts a token bound to another certificate', async () => {
    const result = await against({ ignoreCertificateBinding: true }, { only: ['mtls'] });
    expect(failedIds(result)).toEqual(['mtls/bound-token-other-certificate']);
    expect(result.failures[0]?.detail).toMatch(/^status 200, expected 401/);
  });

  it('fails the control when the service does not admit the hinted certificate', async () => {
    const other = createTestCa();
    try {
      const result = await against(
        {},
        { only: ['mtls'], mtls: { ca: other, serverCa: ca.certificate } },
      );
      expect(failedIds(result)).toEqual(['mtls/control']);
      expect(result.checks).toHaveLength(1);
      expect(result.failures[0]?.detail).toContain('→ 401');
    } finally {
      other.close();
    }
  });

  it.each([
    [{ ca: undefined }, 'hints.mtls.ca: pass the TestCa the service verifies clients against'],
    [{ client: { cert: 'x', key: 'y' } }, 'hints.mtls.client: give { cert, key } as PEM text'],
    [{ clientAuth: 'sometimes' }, "hints.mtls.clientAuth: give 'required' or 'optional'"],
  ])('refuses a bad mtls hint %o with INVALID_HINTS', async (mtls, message) => {
    const hints = { ...hintsFor(issuer), mtls: { ca, ...mtls } } as ConformanceHints;
    await expect(runConformance('https://127.0.0.1:1', hints)).rejects.toMatchObject({
      code: 'INVALID_HINTS',
      message: expect.stringContaining(message),
    });
  });

  it('refuses an mtls hint for a plain HTTP base URL', async () => {
    await expect(
      runConformance('http://127.0.0.1:1', { ...hintsFor(issuer), mtls: { ca } }),
    ).rejects.toMatchObject({
      code: 'INVALID_HINTS',
      message: expect.stringContaining('hints.mtls: mTLS needs an https baseUrl, got http:'),
    });
  });
});
