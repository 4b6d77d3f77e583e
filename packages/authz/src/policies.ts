import type { Principal } from '@bulwark/core';
import type { ObjectRequirement, PolicyFn } from './authorization-requirement.interface.js';
import { principalRoles } from './internal/principal-claims.js';

const POLICY_NAME = Symbol.for('bulwark.authz.policyName');

/** A policy function that carries a name for logs and the route inventory. */
export type NamedPolicy<R = unknown> = PolicyFn<R> & { readonly [POLICY_NAME]: string };

/**
 * Gives a policy function a name, shown by the route inventory.
 *
 * @example
 * ```ts
 * const published = definePolicy('published', (_p, _a, doc: Doc) => doc.published);
 * ```
 */
export function definePolicy<R>(name: string, policy: PolicyFn<R>): NamedPolicy<R> {
  const named = ((principal, action, resource, context) =>
    policy(principal, action, resource, context)) as NamedPolicy<R>;
  Object.defineProperty(named, POLICY_NAME, { value: name });
  return named;
}

/**
 * The name of a policy: given by {@link definePolicy}, else the class or function name.
 *
 * @example
 * ```ts
 * policyName(anyPolicy(ownerPolicy(), rolePolicy('admin'))); // 'any(owner(ownerId), role(admin))'
 * ```
 */
export function policyName(policy: ObjectRequirement['policy']): string {
  const named = (policy as Partial<NamedPolicy>)[POLICY_NAME];
  if (typeof named === 'string') return named;
  return policy.name || 'custom';
}

/** Options of {@link ownerPolicy}. */
export interface OwnerPolicyOptions<R> {
  /**
   * The resource field holding the owner's principal id (`iss|sub`).
   * @default 'ownerId'
   */
  field?: string;
  /** Reads the owner id instead of `field`. */
  owner?: (resource: R) => unknown;
}

/**
 * Allows the owner: the resource's owner field must equal the principal id (`iss|sub`), so the
 * same `sub` from another issuer is not the owner.
 *
 * @example
 * ```ts
 * @Authorize({ action: 'notes:read', load, policy: ownerPolicy({ field: 'ownerId' }) })
 * ```
 */
export function ownerPolicy<R = unknown>(options: OwnerPolicyOptions<R> = {}): NamedPolicy<R> {
  const field = options.field ?? 'ownerId';
  const read = options.owner ?? ((resource: R) => readField(resource, field));
  return definePolicy(
    `owner(${options.owner ? 'custom' : field})`,
    (principal, _action, resource) => {
      const owner = read(resource);
      return typeof owner === 'string' && owner !== '' && owner === principal.id ? 'allow' : 'deny';
    },
  );
}

/** Options of {@link tenantPolicy}. */
export interface TenantPolicyOptions {
  /**
   * The token claim naming the caller's tenant. A missing or non-string claim denies.
   * @default 'tenant_id'
   */
  claim?: string;
  /**
   * The resource field naming the object's tenant.
   * @default 'tenantId'
   */
  field?: string;
}

/**
 * Allows callers of the object's tenant: the claim must be a non-empty string equal to the
 * resource's tenant field.
 *
 * @example
 * ```ts
 * policy: tenantPolicy({ claim: 'org', field: 'orgId' })
 * ```
 */
export function tenantPolicy<R = unknown>(options: TenantPolicyOptions = {}): NamedPolicy<R> {
  const claim = options.claim ?? 'tenant_id';
  const field = options.field ?? 'tenantId';
  return definePolicy(`tenant(${claim}=${field})`, (principal, _action, resource) => {
    const tenant = tenantOf(principal, claim);
    return tenant !== undefined && readField(resource, field) === tenant ? 'allow' : 'deny';
  });
}

/**
 * Allows any caller holding the role (a role override, such as `admin`), optionally only for
 * some actions.
 *
 * @example
 * ```ts
 * policy: anyPolicy(ownerPolicy(), rolePolicy('admin', { actions: ['notes:read'] }))
 * ```
 */
export function rolePolicy<R = unknown>(
  role: string,
  options: { actions?: readonly string[] } = {},
): NamedPolicy<R> {
  const actions = options.actions ? new Set(options.actions) : undefined;
  const suffix = actions ? ` for ${[...actions].join('|')}` : '';
  return definePolicy(`role(${role}${suffix})`, (principal, action) =>
    principalRoles(principal).includes(role) && (!actions || actions.has(action))
      ? 'allow'
      : 'deny',
  );
}

/**
 * Allows when at least one policy allows. Policies run in order and stop at the first allow;
 * one that throws makes the whole decision a denial.
 *
 * @example
 * ```ts
 * policy: anyPolicy(ownerPolicy(), rolePolicy('admin'))
 * ```
 */
export function anyPolicy<R = unknown>(...policies: PolicyFn<R>[]): NamedPolicy<R> {
  return definePolicy(
    `any(${policies.map((p) => policyName(p as PolicyFn)).join(', ')})`,
    async (...args) => {
      for (const policy of policies) {
        if (isAllow(await policy(...args))) return 'allow';
      }
      return 'deny';
    },
  );
}

/**
 * Allows only when every policy allows.
 *
 * @example
 * ```ts
 * policy: allPolicies(tenantPolicy(), ownerPolicy())
 * ```
 */
export function allPolicies<R = unknown>(...policies: PolicyFn<R>[]): NamedPolicy<R> {
  return definePolicy(
    `all(${policies.map((p) => policyName(p as PolicyFn)).join(', ')})`,
    async (...args) => {
      if (policies.length === 0) return 'deny';
      for (const policy of policies) {
        if (!isAllow(await policy(...args))) return 'deny';
      }
      return 'allow';
    },
  );
}

function isAllow(decision: unknown): boolean {
  return decision === 'allow' || decision === true;
}

/** The tenant claim of a principal, when it is a non-empty string. */
export function tenantOf(principal: Principal, claim: string): string | undefined {
  const value = Object.hasOwn(principal.claims, claim) ? principal.claims[claim] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readField(resource: unknown, field: string): unknown {
  if (typeof resource !== 'object' || resource === null) return undefined;
  return Object.hasOwn(resource, field) ? (resource as Record<string, unknown>)[field] : undefined;
}
