import type { Principal } from '@bulwark/core';

/**
 * The principal's roles, trusting only an array of strings. `@bulwark/auth` already ignores a
 * role claim of any other type; this check keeps authz fail-closed whoever set the principal.
 */
export function principalRoles(principal: Principal): readonly string[] {
  return strings(principal.roles);
}

/** The principal's scopes, trusting only an array of strings. */
export function principalScopes(principal: Principal): readonly string[] {
  return strings(principal.scopes);
}

// Runs on every request: the array itself when it holds only strings (the usual case), so
// nothing is copied.
function strings(values: unknown): readonly string[] {
  if (!Array.isArray(values)) return [];
  if (values.every((value) => typeof value === 'string')) return values as string[];
  return values.filter((value): value is string => typeof value === 'string');
}
