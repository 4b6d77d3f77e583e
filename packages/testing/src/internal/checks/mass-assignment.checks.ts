import type { RouteHint } from '../../conformance-hints.interface.js';
import { statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';

const REFUSED = [400, 422];

/** The protected field the probe smuggles when the hint names none. */
export const DEFAULT_PROTECTED_FIELD = 'ownerId';

/**
 * OWASP API3 (mass assignment): an array body whose element carries a protected field, such
 * as `[{ "title": "x", "ownerId": "victim" }]`, must be refused (400 or 422), whether the route
 * takes an array (each element held to the whitelist) or a single object (an array is not one).
 */
export async function runMassAssignmentChecks(ctx: CheckContext): Promise<void> {
  const id = 'array-protected-field';
  const title = 'an array body carrying a protected field is refused (400 or 422)';
  const hint = ctx.hints.massAssignment;
  if (hint === false) return ctx.skip('mass-assignment', id, title, 'massAssignment is false');
  const resource = ctx.hints.resource;
  const route: RouteHint | undefined =
    hint?.route ?? (resource ? { ...resource.create, claims: { ...resource.owner } } : undefined);
  if (!route) {
    return ctx.skip(
      'mass-assignment',
      id,
      title,
      'no massAssignment.route hint and no resource hint',
    );
  }
  const field = hint?.field ?? DEFAULT_PROTECTED_FIELD;
  const items = Array.isArray(route.body) ? route.body : [route.body ?? {}];
  const item = items[0];
  const element = typeof item === 'object' && item !== null ? item : {};
  const body = [{ ...element, [field]: `conformance-victim-${ctx.runId}` }];
  const answer = await ctx.http.send(route.path, {
    method: route.method ?? 'POST',
    token: ctx.token(route.claims),
    body,
  });
  ctx.check(
    'mass-assignment',
    id,
    title,
    statusFaults(answer, REFUSED),
    `${answer.request} [{…, "${field}": …}]`,
  );
}
