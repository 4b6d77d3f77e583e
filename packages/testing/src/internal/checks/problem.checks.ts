import { headerFaults, problemFaults, statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';

const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * RFC 9457 bodies for the errors a client can provoke: an unknown route, a malformed
 * `Authorization` header, invalid JSON and an oversized body, plus request-id hygiene.
 */
export async function runProblemChecks(ctx: CheckContext): Promise<void> {
  if (ctx.hints.problemDetails === false) {
    return ctx.skip(
      'problem-details',
      'all',
      'RFC 9457 problem details',
      'problemDetails is false',
    );
  }
  const missing = await ctx.http.send(`/__bulwark-conformance/${ctx.runId}`, {
    token: ctx.token(ctx.hints.protectedRoute.claims),
  });
  ctx.check(
    'problem-details',
    'not-found',
    'an unknown route gets a 404 problem',
    [...statusFaults(missing, 404), ...problemFaults(missing)],
    missing.request,
  );

  const route = ctx.hints.protectedRoute;
  const malformed = await ctx.http.send(route.path, {
    method: route.method ?? 'GET',
    headers: { authorization: 'Bearer two words' },
  });
  // RFC 6750 §3.1: a malformed request is invalid_request, 400.
  ctx.check(
    'problem-details',
    'malformed-authorization',
    'a malformed Authorization header gets a 400 problem',
    [...statusFaults(malformed, 400), ...problemFaults(malformed)],
    malformed.request,
  );

  const hostile = '../../etc/passwd<script>\u001b[31m';
  const withId = await ctx.http.send(`/__bulwark-conformance/${ctx.runId}`, {
    headers: { 'x-request-id': encodeURI(hostile) },
  });
  const echoed = withId.headers.get('x-request-id') ?? '';
  ctx.check(
    'problem-details',
    'hostile-request-id',
    'a hostile x-request-id is replaced by a sane one',
    [
      ...(echoed === encodeURI(hostile) ? ['the hostile x-request-id was echoed back'] : []),
      ...(SANE_REQUEST_ID.test(echoed) ? [] : [`x-request-id "${echoed}" is not sane`]),
    ],
    withId.request,
  );

  const create = ctx.hints.resource?.create;
  if (!create) {
    ctx.skip(
      'problem-details',
      'invalid-json',
      'invalid JSON gets a 400 problem',
      'no resource hint',
    );
    return;
  }
  const writer = ctx.token(ctx.hints.resource?.owner);
  const method = create.method ?? 'POST';
  const invalid = await ctx.http.send(create.path, {
    method,
    token: writer,
    rawBody: '{"title": "x",',
  });
  ctx.check(
    'problem-details',
    'invalid-json',
    'invalid JSON gets a 400 problem',
    [...statusFaults(invalid, 400), ...problemFaults(invalid)],
    invalid.request,
  );

  const limit = ctx.hints.bodyLimitBytes ?? 102_400;
  if (limit === false) {
    ctx.skip(
      'problem-details',
      'body-limit',
      'an oversized body gets a 413 problem',
      'bodyLimitBytes is false',
    );
    return;
  }
  const big = await ctx.http.send(create.path, {
    method,
    token: writer,
    rawBody: JSON.stringify({ padding: 'x'.repeat(limit + 1) }),
  });
  ctx.check(
    'problem-details',
    'body-limit',
    `a body over ${limit} bytes gets a 413 problem`,
    [
      ...statusFaults(big, 413),
      ...problemFaults(big),
      ...(ctx.hints.securityHeaders === false ? [] : headerFaults(big, false)),
    ],
    big.request,
  );
}
