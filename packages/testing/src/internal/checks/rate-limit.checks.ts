import type { RateLimitHint } from '../../conformance-hints.interface.js';
import type { CheckContext } from '../context.js';
import type { Answer } from '../http-client.js';

const BATCH = 10;
const DEFAULT_FAILED_ATTEMPTS = 150;

// draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy: "name";q=100;w=60 and
// RateLimit: "name";r=42;t=17.
function rateLimitHeaderFaults(answer: Answer): string[] {
  const faults: string[] = [];
  const policy = answer.headers.get('ratelimit-policy');
  const state = answer.headers.get('ratelimit');
  if (!policy || !/\bq=\d+/.test(policy))
    faults.push(`RateLimit-Policy missing or without q= (got "${policy ?? ''}")`);
  if (!state || !/\br=\d+/.test(state) || !/\bt=\d+/.test(state))
    faults.push(`RateLimit missing or without r=/t= (got "${state ?? ''}")`);
  return faults;
}

/**
 * Sends up to `maxRequests` requests as one fresh principal until a 429 comes back, then
 * checks that failed authentication from the suite's address does not lock out a valid token.
 */
export async function runRateLimitChecks(ctx: CheckContext): Promise<void> {
  const hint = ctx.hints.rateLimit;
  if (!hint)
    return ctx.skip('rate-limit', 'all', 'rate-limit headers and 429', 'no rateLimit hint');
  await runQuotaChecks(ctx, hint);
  await runLockoutCheck(ctx, hint.failedAttempts ?? DEFAULT_FAILED_ATTEMPTS);
}

async function runQuotaChecks(ctx: CheckContext, hint: RateLimitHint): Promise<void> {
  const max = hint.maxRequests ?? 200;
  const token = ctx.token({ ...hint.claims, sub: `conformance-rate-${ctx.runId}` });
  const send = () =>
    ctx.http.send(hint.path, { method: hint.method ?? 'GET', token, body: hint.body });

  let first: Answer | undefined;
  let limited: Answer | undefined;
  let sent = 0;
  while (!limited && sent < max) {
    const size = Math.min(BATCH, max - sent);
    const answers = await Promise.all(Array.from({ length: size }, send));
    sent += size;
    first ??= answers.find((a) => a.status >= 200 && a.status < 300);
    limited = answers.find((a) => a.status === 429);
    const broken = answers.find((a) => a.status === 0 || a.status >= 500);
    if (broken) {
      ctx.check(
        'rate-limit',
        'no-errors',
        'the limiter never answers 5xx or hangs',
        [`${broken.request} → ${broken.status || broken.error}`],
        broken.request,
      );
      return;
    }
  }
  ctx.check(
    'rate-limit',
    'headers',
    'admitted answers carry RateLimit-Policy and RateLimit',
    first ? rateLimitHeaderFaults(first) : ['no 2xx answer to inspect'],
    first?.request,
  );
  if (!limited) {
    ctx.check('rate-limit', '429', `a 429 within ${max} requests`, [
      `${sent} requests, none limited`,
    ]);
    return;
  }
  const retryAfter = limited.headers.get('retry-after') ?? '';
  ctx.check(
    'rate-limit',
    '429',
    'the 429 is a problem with Retry-After in seconds and rate-limit headers',
    [
      ...ctx.problem(limited),
      ...(/^\d+$/.test(retryAfter)
        ? []
        : [`Retry-After "${retryAfter}" is not a number of seconds`]),
      ...rateLimitHeaderFaults(limited),
    ],
    limited.request,
  );
}

/**
 * One client sends `attempts` junk tokens, then a valid token from the same address must still
 * be admitted: a failed-authentication limiter may slow the failing attempts down (429), but
 * must not refuse everyone behind the address, valid tokens included.
 */
async function runLockoutCheck(ctx: CheckContext, attempts: number | false): Promise<void> {
  const id = 'failed-auth-no-lockout';
  const title = 'failed authentication from an address does not lock out a valid token from it';
  if (attempts === false)
    return ctx.skip('rate-limit', id, title, 'rateLimit.failedAttempts is false');
  const route = ctx.hints.protectedRoute;
  const send = (token: string) =>
    ctx.http.send(route.path, { method: route.method ?? 'GET', token, body: route.body });

  const counts = new Map<number, number>();
  const faults: string[] = [];
  for (let sent = 0; sent < attempts; sent += BATCH) {
    const size = Math.min(BATCH, attempts - sent);
    const answers = await Promise.all(
      Array.from({ length: size }, (_, i) => send(`junk.${ctx.runId}.${sent + i}`)),
    );
    for (const answer of answers) {
      counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
      if (
        answer.status === 0 ||
        answer.status >= 500 ||
        (answer.status >= 200 && answer.status < 300)
      )
        faults.push(`a junk token got ${answer.status || answer.error}`);
    }
    if (faults.length > 0) break;
  }
  const valid = await send(ctx.token({ ...route.claims, sub: `conformance-lockout-${ctx.runId}` }));
  if (faults.length === 0 && (valid.status < 200 || valid.status >= 300)) {
    const seen = [...counts].map(([status, n]) => `${n} × ${status}`).join(', ');
    faults.push(
      `a valid token got ${valid.status || valid.error} after ${attempts} failed attempts from the same address (${seen}): one client can get every caller behind its address refused`,
    );
  }
  ctx.check('rate-limit', id, title, faults.slice(0, 1), valid.request);
}
