import { type Principal } from '@bulwark/core';
import { principalId } from '@bulwark/core/request';

/**
 * Reads a claim by path. A top-level claim with the exact name wins, so namespaced claims such
 * as `https://example.com/roles` work; otherwise dots descend into objects.
 */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let current: unknown = claims;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

function toScopes(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (isStringArray(value)) return [...value];
  return undefined;
}

/** Reads scopes from the configured path, or from `scope` (string) then `scp` (array). */
export function readScopes(claims: Record<string, unknown>, path: string | undefined): string[] {
  if (path !== undefined) return toScopes(readClaim(claims, path)) ?? [];
  return toScopes(claims.scope) ?? toScopes(claims.scp) ?? [];
}

/** Reads roles; anything but an array of strings is ignored. */
export function readRoles(claims: Record<string, unknown>, path: string): string[] {
  const value = readClaim(claims, path);
  return isStringArray(value) ? [...value] : [];
}

/** Builds the frozen principal from verified claims. */
export function buildPrincipal(
  claims: Record<string, unknown>,
  scopeClaim: string | undefined,
  rolesClaim: string,
): Principal {
  const issuer = claims.iss as string;
  const subject = claims.sub as string;
  const clientId =
    typeof claims.client_id === 'string'
      ? claims.client_id
      : typeof claims.azp === 'string'
        ? claims.azp
        : undefined;
  return Object.freeze({
    id: principalId(issuer, subject),
    issuer,
    subject,
    clientId,
    scopes: Object.freeze(readScopes(claims, scopeClaim)),
    roles: Object.freeze(readRoles(claims, rolesClaim)),
    claims: Object.freeze(claims),
    expiresAt: new Date((claims.exp as number) * 1000),
  });
}
