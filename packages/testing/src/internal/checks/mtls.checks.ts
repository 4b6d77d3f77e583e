import { bearerFaults, statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';
import { type Answer, describeAnswer } from '../http-client.js';
import type { MtlsMaterial } from '../mtls-material.js';

// What a client sees when the server refuses its certificate in the handshake: an alert, or
// with TLS 1.3 (where the client finishes first) a connection closed on its first request.
const HANDSHAKE_REFUSAL = /alert|certificate|ECONNRESET|socket hang up|EPIPE/i;

/** Faults of a refusal: a 401 problem, or a handshake the server refused. */
function refusalFaults(ctx: CheckContext, answer: Answer): string[] {
  if (answer.status === 0) {
    return HANDSHAKE_REFUSAL.test(answer.error ?? '')
      ? []
      : [answer.error ?? 'no answer, and no handshake refusal'];
  }
  return [...statusFaults(answer, 401), ...ctx.problem(answer)];
}

/**
 * mTLS probes on `protectedRoute`, each with a valid token: a valid client certificate is
 * admitted (the control); none, one from another CA and an expired one are refused; liveness
 * answers without one; and, with certificate-bound tokens (RFC 8705 §3), a token bound to the
 * client's certificate is admitted while one bound to another certificate gets 401
 * `invalid_token`.
 */
export async function runMtlsChecks(ctx: CheckContext, tls: MtlsMaterial | undefined) {
  const mtls = ctx.hints.mtls;
  // A plain HTTP service has no TLS to probe, and `false` leaves the category out.
  if (mtls === false || (mtls === undefined && !ctx.http.url('/').startsWith('https:'))) return;
  if (tls === undefined || mtls === undefined) {
    return ctx.skip(
      'mtls',
      'all',
      'mutual TLS',
      'no mtls hint; give hints.mtls when the service verifies client certificates',
    );
  }
  const route = ctx.hints.protectedRoute;
  const method = route.method ?? 'GET';
  const token = ctx.token(route.claims);
  const send = (client: MtlsMaterial['client'] | null, bearer = token) =>
    ctx.http.send(route.path, { method, body: route.body, token: bearer, client });

  const control = await send(tls.client);
  if (
    !ctx.check(
      'mtls',
      'control',
      'a valid client certificate and token are admitted (proves the hints are right)',
      control.status >= 200 && control.status < 300 ? [] : [describeAnswer(control)],
      `${control.request} (valid certificate)`,
    )
  ) {
    return;
  }

  const none = await send(null);
  if (tls.clientAuth === 'required') {
    ctx.check(
      'mtls',
      'no-certificate',
      'a protected route without a client certificate is refused with a 401 problem',
      [...statusFaults(none, 401), ...ctx.problem(none)],
      `${none.request} (no certificate)`,
    );
  } else {
    ctx.check(
      'mtls',
      'no-certificate',
      'with optional client certificates, a request without one goes on to the token',
      none.status >= 200 && none.status < 300 ? [] : [describeAnswer(none)],
      `${none.request} (no certificate)`,
    );
  }

  const foreign = await send(tls.foreign);
  ctx.check(
    'mtls',
    'other-ca',
    'a client certificate from another CA is refused',
    refusalFaults(ctx, foreign),
    `${foreign.request} (certificate from another CA)`,
  );

  const expired = await send(tls.expired);
  ctx.check(
    'mtls',
    'expired',
    'an expired client certificate is refused',
    refusalFaults(ctx, expired),
    `${expired.request} (expired certificate)`,
  );

  if (ctx.hints.health === false) {
    ctx.skip(
      'mtls',
      'live-without-certificate',
      'liveness without a client certificate',
      'health is false',
    );
  } else {
    const live = await ctx.http.send(ctx.hints.health?.live ?? '/health/live', { client: null });
    ctx.check(
      'mtls',
      'live-without-certificate',
      'liveness answers 200 without a client certificate (kubelet probes present none)',
      statusFaults(live, 200),
      `${live.request} (no certificate)`,
    );
  }

  if (mtls.certificateBound === false) {
    ctx.skip(
      'mtls',
      'bound-token',
      'certificate-bound tokens (RFC 8705)',
      'mtls.certificateBound is false',
    );
    return;
  }
  const claims = { sub: `conformance-${ctx.runId}`, ...route.claims };
  const bound = await send(
    tls.client,
    ctx.hints.issuer.mintCertificateBound(tls.client.cert, { claims }),
  );
  ctx.check(
    'mtls',
    'bound-token',
    'a token bound to the client certificate (cnf x5t#S256) is admitted with it',
    bound.status >= 200 && bound.status < 300 ? [] : [describeAnswer(bound)],
    `${bound.request} (token bound to this certificate)`,
  );
  const stolen = await send(
    tls.client,
    ctx.hints.issuer.mintCertificateBound(tls.foreign.cert, { claims }),
  );
  ctx.check(
    'mtls',
    'bound-token-other-certificate',
    'a token bound to another certificate is refused with invalid_token (RFC 8705 §3)',
    [
      ...statusFaults(stolen, 401),
      ...bearerFaults(stolen, 'invalid_token'),
      ...ctx.problem(stolen),
    ],
    `${stolen.request} (token bound to another certificate)`,
  );
}
