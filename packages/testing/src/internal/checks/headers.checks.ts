import { headerFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';
import type { Answer } from '../http-client.js';

/**
 * The API security headers on success, 401, 404 and authenticated answers alike: a header
 * set only on the happy path protects nothing (guidance §5.4, security misconfiguration).
 */
export async function runHeaderChecks(ctx: CheckContext): Promise<void> {
  if (ctx.hints.securityHeaders === false) {
    ctx.skip('headers', 'all', 'API security headers', 'securityHeaders is false');
    return;
  }
  const route = ctx.hints.protectedRoute;
  const method = route.method ?? 'GET';
  const samples: [string, Answer, boolean][] = [];
  const health =
    ctx.hints.health === false ? undefined : (ctx.hints.health?.live ?? '/health/live');
  if (health) samples.push(['public', await ctx.http.send(health), false]);
  samples.push([
    'unauthenticated',
    await ctx.http.send(route.path, { method, body: route.body }),
    false,
  ]);
  samples.push([
    'authenticated',
    await ctx.http.send(route.path, { method, body: route.body, token: ctx.token(route.claims) }),
    true,
  ]);
  samples.push([
    'not-found',
    await ctx.http.send(`/__bulwark-conformance/${ctx.runId}/headers`),
    false,
  ]);
  for (const [id, answer, authenticated] of samples) {
    ctx.check(
      'headers',
      `${id}-${answer.status}`,
      `security headers on the ${id} answer${authenticated ? ', with Cache-Control: no-store' : ''}`,
      headerFaults(answer, authenticated),
      answer.request,
    );
  }
}
