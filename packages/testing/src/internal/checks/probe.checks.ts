import { statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';
import { jsonOf } from '../http-client.js';
import { findInternals } from '../leaks.js';

/** Liveness answers 200 without credentials; readiness answers 200/503 and shows no internals. */
export async function runProbeChecks(ctx: CheckContext): Promise<void> {
  if (ctx.hints.health === false)
    return ctx.skip('probes', 'all', 'health probes', 'health is false');
  const live = await ctx.http.send(ctx.hints.health?.live ?? '/health/live');
  ctx.check(
    'probes',
    'live',
    'liveness answers 200 without credentials',
    statusFaults(live, 200),
    live.request,
  );
  const ready = await ctx.http.send(ctx.hints.health?.ready ?? '/health/ready');
  ctx.check(
    'probes',
    'ready',
    'readiness answers 200 or 503 without credentials',
    [
      ...statusFaults(ready, [200, 503]),
      ...(ready.status && !jsonOf(ready) ? ['the body is not JSON'] : []),
    ],
    ready.request,
  );
  for (const answer of [live, ready]) {
    const found = findInternals(answer.text);
    ctx.check(
      'probes',
      `no-internals-${answer === live ? 'live' : 'ready'}`,
      'the probe body shows no hosts, URLs, paths or errors',
      found.map((f) => `${f.kind}: ${f.excerpt}`),
      answer.request,
    );
  }
}
