import { createDpopKey, createDpopProof, createHostileDpopProofs } from '../../dpop.js';
import { statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';
import { type Answer, describeAnswer } from '../http-client.js';

/** Faults of a `WWW-Authenticate: DPoP` challenge with this error (RFC 9449 §7.1). */
function dpopChallengeFaults(answer: Answer, error: string): string[] {
  if (answer.status === 0) return [];
  const challenge = answer.headers.get('www-authenticate');
  if (!challenge) return ['no WWW-Authenticate header'];
  const faults: string[] = [];
  if (!/^DPoP\b/i.test(challenge)) faults.push(`WWW-Authenticate "${challenge}" is not DPoP`);
  const code = /error="([^"]*)"/.exec(challenge)?.[1];
  if (code !== error) faults.push(`WWW-Authenticate error=${code ?? '(none)'}, expected ${error}`);
  if (!/algs="[^"]+"/.test(challenge)) faults.push('WWW-Authenticate has no algs');
  return faults;
}

/** The `error` of any challenge, whatever its scheme. */
function challengeError(answer: Answer): string | undefined {
  return /error="([^"]*)"/.exec(answer.headers.get('www-authenticate') ?? '')?.[1];
}

/**
 * DPoP (RFC 9449) probes, run when the service accepts DPoP: an honest proof is accepted (after
 * a `use_dpop_nonce` round when the service asks for nonces), the same proof again is refused,
 * every hostile proof of {@link createHostileDpopProofs} gets 401 `invalid_dpop_proof` with a
 * `DPoP` challenge, and the bound token sent as `Bearer` is refused. A service that answers a
 * DPoP request with no DPoP challenge does not accept DPoP: the probes are skipped, or fail
 * when the hints say `dpop: true`.
 */
export async function runDpopChecks(ctx: CheckContext): Promise<void> {
  if (ctx.hints.dpop === false) return;
  const route = ctx.hints.protectedRoute;
  const method = route.method ?? 'GET';
  const url = ctx.http.url(route.path);
  const key = createDpopKey();
  const token = ctx.hints.issuer.mintDpopBound(key, {
    claims: { sub: `conformance-${ctx.runId}`, ...route.claims },
  });
  let nonce: string | undefined;
  const send = (proof: string | undefined, authorization = `DPoP ${token}`) =>
    ctx.http.send(route.path, {
      method,
      body: route.body,
      headers: { authorization, ...(proof === undefined ? {} : { dpop: proof }) },
    });
  const honest = () => createDpopProof(key, { method, url, accessToken: token, nonce });

  let proof = honest();
  let control = await send(proof);
  if (control.status === 401 && challengeError(control) === 'use_dpop_nonce') {
    nonce = control.headers.get('dpop-nonce') ?? undefined;
    ctx.check(
      'dpop',
      'use-dpop-nonce',
      'a proof without the server nonce gets use_dpop_nonce and a DPoP-Nonce header (§9)',
      [
        ...dpopChallengeFaults(control, 'use_dpop_nonce'),
        ...(nonce ? [] : ['no DPoP-Nonce header']),
      ],
      control.request,
    );
    proof = honest();
    control = await send(proof);
  }
  const accepted = control.status >= 200 && control.status < 300;
  const offered = /\bDPoP\b/i.test(control.headers.get('www-authenticate') ?? '');
  if (!accepted && !offered && ctx.hints.dpop !== true) {
    ctx.skip(
      'dpop',
      'control',
      'a DPoP-bound token with an honest proof is accepted',
      `the service does not accept DPoP (${describeAnswer(control)}); set hints.dpop to true to require it`,
    );
    return;
  }
  if (
    !ctx.check(
      'dpop',
      'control',
      'a DPoP-bound token with an honest proof is accepted (proves the hints are right)',
      accepted ? [] : [describeAnswer(control)],
      control.request,
    )
  ) {
    return;
  }

  const replay = await send(proof);
  ctx.check(
    'dpop',
    'replay',
    'the same proof sent again is refused (RFC 9449 §11.1)',
    [...statusFaults(replay, 401), ...dpopChallengeFaults(replay, 'invalid_dpop_proof')],
    `${replay.request} (replayed proof)`,
  );

  for (const hostile of createHostileDpopProofs(key, {
    method,
    url,
    accessToken: token,
    nonce,
  })) {
    const answer = await send(hostile.proof);
    ctx.check(
      'dpop',
      hostile.id,
      `refuses a hostile proof: ${hostile.defect}`,
      [
        ...statusFaults(answer, 401),
        ...dpopChallengeFaults(answer, 'invalid_dpop_proof'),
        ...ctx.problem(answer),
      ],
      answer.request,
    );
  }

  const missing = await send(undefined);
  ctx.check(
    'dpop',
    'proof-missing',
    'the DPoP scheme without a DPoP header is refused',
    [...statusFaults(missing, 401), ...dpopChallengeFaults(missing, 'invalid_dpop_proof')],
    missing.request,
  );

  const downgraded = await send(undefined, `Bearer ${token}`);
  ctx.check(
    'dpop',
    'bound-token-as-bearer',
    'a DPoP-bound token sent as Bearer is refused with invalid_token (RFC 9449 §7.1)',
    [
      ...statusFaults(downgraded, 401),
      ...(challengeError(downgraded) === 'invalid_token'
        ? []
        : [`error=${challengeError(downgraded) ?? '(none)'}, expected invalid_token`]),
    ],
    `${downgraded.request} (Bearer)`,
  );
}
