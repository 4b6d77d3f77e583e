import { createAttackTokens } from '../../attack-tokens.js';
import { bearerFaults, statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';
import { describeAnswer } from '../http-client.js';

/**
 * Sends every attack token to the protected route: each must get 401, a problem body and a
 * Bearer challenge with `error="invalid_token"` (RFC 6750 §3.1). A valid token is sent first,
 * so a wrong hint shows up as a failed control rather than as 40 green attacks.
 */
export async function runJwtChecks(ctx: CheckContext, attackerUrl: string): Promise<void> {
  const route = ctx.hints.protectedRoute;
  const method = route.method ?? 'GET';
  const send = (token: string | undefined, path = route.path) =>
    ctx.http.send(path, { method, token, body: route.body });

  const control = await send(ctx.token(route.claims));
  ctx.check(
    'jwt',
    'control',
    'a valid token is accepted (proves the hints are right)',
    control.status >= 200 && control.status < 300 ? [] : [describeAnswer(control)],
    control.request,
  );

  const anonymous = await send(undefined);
  ctx.check(
    'jwt',
    'no-credentials',
    '401 with a Bearer challenge and no error code',
    [
      ...statusFaults(anonymous, 401),
      ...bearerFaults(anonymous, undefined),
      ...ctx.problem(anonymous),
    ],
    anonymous.request,
  );

  const separator = route.path.includes('?') ? '&' : '?';
  const query = await send(
    undefined,
    `${route.path}${separator}access_token=${ctx.token(route.claims)}`,
  );
  ctx.check(
    'jwt',
    'query-token',
    'a token in the query string is ignored (401)',
    statusFaults(query, 401),
    `${method} ${route.path}?access_token=…`,
  );

  const attacks = createAttackTokens(ctx.hints.issuer, {
    attackerUrl,
    claims: route.claims,
    ...(ctx.hints.maxTokenBytes !== undefined ? { maxTokenBytes: ctx.hints.maxTokenBytes } : {}),
    ...(ctx.hints.acceptedTokenTypes ? { acceptedTokenTypes: ctx.hints.acceptedTokenTypes } : {}),
  });
  for (const attack of attacks) {
    const answer = await send(attack.token);
    ctx.check(
      'jwt',
      attack.id,
      `refuses ${attack.defect}`,
      [
        ...statusFaults(answer, 401),
        ...bearerFaults(answer, 'invalid_token'),
        ...ctx.problem(answer),
      ],
      answer.request,
    );
  }
}
