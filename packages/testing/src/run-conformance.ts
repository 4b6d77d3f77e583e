import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConformanceCategory, ConformanceHints } from './conformance-hints.interface.js';
import { CONFORMANCE_CATEGORIES } from './conformance-hints.interface.js';
import { formatConformanceReport } from './conformance-report.js';
import type { ConformanceCheck, ConformanceResult } from './conformance-result.interface.js';
import { runBflaChecks, runBolaChecks } from './internal/checks/authorization.checks.js';
import { runDpopChecks } from './internal/checks/dpop.checks.js';
import { runHeaderChecks } from './internal/checks/headers.checks.js';
import { runJwtChecks } from './internal/checks/jwt.checks.js';
import { runLeakChecks } from './internal/checks/leak.checks.js';
import { runMassAssignmentChecks } from './internal/checks/mass-assignment.checks.js';
import { runMtlsChecks } from './internal/checks/mtls.checks.js';
import { runProbeChecks } from './internal/checks/probe.checks.js';
import { runProblemChecks } from './internal/checks/problem.checks.js';
import { runRateLimitChecks } from './internal/checks/rate-limit.checks.js';
import { type CheckContext, createContext } from './internal/context.js';
import { HttpClient } from './internal/http-client.js';
import { type MtlsMaterial, resolveMtlsMaterial } from './internal/mtls-material.js';
import { TestingError } from './testing.error.js';

interface Attacker {
  readonly url: string;
  readonly hits: string[];
  close(): Promise<void>;
}

// Stands for a host the attacker controls; any request it gets is a finding.
async function startAttacker(): Promise<Attacker> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/attacker`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function validate(baseUrl: string, hints: ConformanceHints): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TestingError(
      'INVALID_HINTS',
      `baseUrl: "${baseUrl}" is not a URL; pass the listening service's base URL, such as http://127.0.0.1:3000`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TestingError(
      'INVALID_HINTS',
      `baseUrl: only http and https are supported, got ${url.protocol}`,
    );
  }
  if (!hints?.issuer || typeof hints.issuer.mint !== 'function') {
    throw new TestingError(
      'INVALID_HINTS',
      'hints.issuer: pass the TestIssuer the service trusts (createTestIssuer())',
    );
  }
  if (!hints.protectedRoute?.path?.startsWith('/')) {
    throw new TestingError(
      'INVALID_HINTS',
      "hints.protectedRoute.path: give a route that needs a token, starting with '/', such as '/v1/notes'",
    );
  }
  if (hints.dpop !== undefined && typeof hints.dpop !== 'boolean') {
    throw new TestingError(
      'INVALID_HINTS',
      `hints.dpop: give true (DPoP required), false (no DPoP probes) or leave it out; got ${String(hints.dpop)}`,
    );
  }
  if (hints.mtls !== undefined && hints.mtls !== false && url.protocol !== 'https:') {
    throw new TestingError(
      'INVALID_HINTS',
      `hints.mtls: mTLS needs an https baseUrl, got ${url.protocol}; leave mtls out for a plain HTTP service`,
    );
  }
  const attempts = hints.rateLimit?.failedAttempts;
  if (
    attempts !== undefined &&
    attempts !== false &&
    !(Number.isInteger(attempts) && attempts >= 1 && attempts <= 10_000)
  ) {
    throw new TestingError(
      'INVALID_HINTS',
      `hints.rateLimit.failedAttempts: give a whole number from 1 to 10000, above the service's failed-authentication limit, or false; got ${String(attempts)}`,
    );
  }
  const massAssignment = hints.massAssignment;
  if (massAssignment !== undefined && massAssignment !== false) {
    if (
      massAssignment.field !== undefined &&
      (typeof massAssignment.field !== 'string' || massAssignment.field === '')
    ) {
      throw new TestingError(
        'INVALID_HINTS',
        "hints.massAssignment.field: give the name of a protected field, such as 'ownerId'",
      );
    }
    if (massAssignment.route !== undefined && !massAssignment.route?.path?.startsWith('/')) {
      throw new TestingError(
        'INVALID_HINTS',
        "hints.massAssignment.route.path: give a route that takes a body, starting with '/', such as '/v1/notes/batch'",
      );
    }
  }
  for (const category of hints.only ?? []) {
    if (!CONFORMANCE_CATEGORIES.includes(category)) {
      throw new TestingError(
        'INVALID_HINTS',
        `hints.only: unknown category "${category}"; use ${CONFORMANCE_CATEGORIES.join(', ')}`,
      );
    }
  }
  return baseUrl.replace(/\/+$/, '');
}

async function runCategory(
  category: ConformanceCategory,
  ctx: CheckContext,
  base: string,
  attackerUrl: string,
  tls: MtlsMaterial | undefined,
): Promise<void> {
  switch (category) {
    case 'probes':
      return runProbeChecks(ctx);
    case 'mtls':
      return runMtlsChecks(ctx, tls);
    case 'jwt':
      return runJwtChecks(ctx, attackerUrl);
    case 'dpop':
      return runDpopChecks(ctx);
    case 'bola':
      return runBolaChecks(ctx, base);
    case 'bfla':
      return runBflaChecks(ctx);
    case 'mass-assignment':
      return runMassAssignmentChecks(ctx);
    case 'problem-details':
      return runProblemChecks(ctx);
    case 'headers':
      return runHeaderChecks(ctx);
    case 'rate-limit':
      return runRateLimitChecks(ctx);
    case 'leaks':
      return runLeakChecks(ctx);
    default: {
      const unknown: never = category;
      throw new TestingError('INVALID_HINTS', `unknown category ${String(unknown)}`);
    }
  }
}

/**
 * Runs Bulwark's black-box security suite against a listening service and prints a report.
 * It needs no test framework: call it from any runner, a script or CI, then hand the result
 * to {@link assertConformance} to fail the run.
 *
 * Checks, each skipped when its hint is missing: probes (`/health/live`, `/health/ready`
 * without internals), mTLS (no client certificate, one from another CA and an expired one
 * refused, a valid one admitted, liveness without one, a certificate-bound token sent with
 * another certificate refused), every JWT attack of {@link createAttackTokens} (401, problem+json,
 * `WWW-Authenticate`, no request to the attacker's host), DPoP when the service accepts it (an
 * honest proof, a replay, each hostile proof of `createHostileDpopProofs`, a bound token sent as
 * `Bearer`), BOLA and BFLA probes, mass assignment
 * (an array body carrying a protected field such as `ownerId` is refused), RFC 9457
 * bodies, the API security headers on 2xx/401/404, rate-limit headers and 429, a valid token
 * still admitted after a flood of junk tokens from the same address (no lockout), and a leak
 * scan (stack frames, paths, `node_modules`) over every answer received.
 *
 * @example
 * ```ts
 * const result = await runConformance('http://127.0.0.1:3000', {
 *   issuer,
 *   protectedRoute: { path: '/v1/notes', claims: { scope: 'notes:read' } },
 *   resource: {
 *     create: { path: '/v1/notes', body: { title: 't', body: 'b' } },
 *     owner: { sub: 'alice', scope: 'notes:read notes:write' },
 *     intruder: { sub: 'mallory', scope: 'notes:read notes:write' },
 *   },
 *   admin: { path: '/v1/admin/notes', user: { scope: 'notes:read' }, admin: { roles: ['admin'] } },
 * });
 * assertConformance(result);
 * ```
 */
export async function runConformance(
  baseUrl: string,
  hints: ConformanceHints,
): Promise<ConformanceResult> {
  const base = validate(baseUrl, hints);
  const started = Date.now();
  const checks: ConformanceCheck[] = [];
  const tls = resolveMtlsMaterial(hints.mtls);
  const http = new HttpClient(
    base,
    hints.timeoutMs ?? 5000,
    tls && { ca: tls.serverCa, client: tls.client },
  );
  const ctx = createContext(http, hints, checks);
  const only = new Set(hints.only ?? CONFORMANCE_CATEGORIES);
  let attacker: Attacker | undefined;
  try {
    attacker = hints.attackerUrl ? undefined : await startAttacker();
    for (const category of CONFORMANCE_CATEGORIES) {
      if (only.has(category))
        await runCategory(category, ctx, base, hints.attackerUrl ?? attacker?.url ?? '', tls);
    }
    if (attacker && only.has('jwt')) {
      // RFC 8725 §3.10: a verifier that fetched jku/x5u or a URL-shaped kid called this host.
      ctx.check(
        'jwt',
        'attacker-never-called',
        "the service never fetched the attacker's jku/x5u/kid URLs",
        attacker.hits.map((hit) => `attacker host got ${hit}`),
      );
    }
  } finally {
    tls?.close();
    await attacker?.close();
  }
  const count = (status: ConformanceCheck['status']) =>
    checks.filter((c) => c.status === status).length;
  const result: ConformanceResult = {
    baseUrl: base,
    ok: count('fail') === 0,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    durationMs: Date.now() - started,
    checks,
    failures: checks.filter((c) => c.status === 'fail'),
  };
  const print = hints.print ?? true;
  if (print !== false) {
    const report = formatConformanceReport(result, { verbose: hints.verbose ?? false });
    if (print === true) console.log(report);
    else print(report);
  }
  return result;
}
