import { type Principal } from '@bulwark/core';
import { publishSecurityEvent } from '@bulwark/core/events';
import { AuthzError } from './authz.error.js';
import { forbidden } from './internal/denials.js';
import { tenantOf } from './policies.js';

/** Which objects of a list the caller may see. At least one member is required. */
export interface ListScope {
  /** The field holding the owner's principal id (`iss|sub`), such as `ownerId`. */
  owner?: string;
  /** The tenant: the token claim and the object field that must match. */
  tenant?: { claim: string; field: string };
}

/**
 * Builds the filter a list query must include, so that a list can never hold other callers'
 * objects. Merge it into your repository query; a caller without the tenant claim is denied.
 *
 * @example
 * ```ts
 * const where = { ...scopeQuery(principal, { owner: 'ownerId' }), archived: false };
 * return notes.find(where); // { ownerId: 'https://idp|alice', archived: false }
 * ```
 */
export function scopeQuery(principal: Principal, scope: ListScope): Record<string, string> {
  if (!scope.owner && !scope.tenant) {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      'scopeQuery() needs an owner field, a tenant, or both; an empty scope would list everything',
    );
  }
  const filter: Record<string, string> = {};
  if (scope.owner) filter[scope.owner] = principal.id;
  if (scope.tenant) {
    const tenant = tenantOf(principal, scope.tenant.claim);
    if (tenant === undefined) {
      publishSecurityEvent({
        kind: 'authorization.denied',
        reason: 'tenant_claim_missing',
        principalId: principal.id,
      });
      throw forbidden('tenant_claim_missing');
    }
    filter[scope.tenant.field] = tenant;
  }
  return filter;
}

/**
 * Keeps only the items matching {@link scopeQuery}'s filter: a second line of defence for
 * lists built in memory or by a query that could not take the filter.
 *
 * @example
 * ```ts
 * return scopeList(principal, await notes.all(), { owner: 'ownerId' });
 * ```
 */
export function scopeList<T>(principal: Principal, items: readonly T[], scope: ListScope): T[] {
  const filter = Object.entries(scopeQuery(principal, scope));
  return items.filter(
    (item) =>
      typeof item === 'object' &&
      item !== null &&
      filter.every(
        ([field, value]) =>
          Object.hasOwn(item, field) && (item as Record<string, unknown>)[field] === value,
      ),
  );
}
