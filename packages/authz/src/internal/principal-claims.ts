import type { Principal } from '@bulwark/core';

/**
 * The principal's roles, trusting only an array of strings. `@bulwark/auth` already ignores a
 * role claim of any other type; this check keeps authz fail-closed whoever set the principal.
 */
export function principalRoles(principal: Principal): ReadonlySet<string> {
  return stringSet(principal.roles);
}

/** The principal's scopes, trusting only an array of strings. */
export function principalScopes(principal: Principal): ReadonlySet<string> {
  return stringSet(principal.scopes);
}

function stringSet(values: unknown): ReadonlySet<string> {
  if (!Array.isArray(values)) return new Set();
  return new Set(values.filter((value): value is string => typeof value === 'string'));
}
