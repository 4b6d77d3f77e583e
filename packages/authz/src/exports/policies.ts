/**
 * For writing and combining object-level policies and loaders of your own: `definePolicy`,
 * `policyName`, `tenantPolicy`, and the policy and loader types.
 *
 * @packageDocumentation
 */
export type {
  AuthorizationPolicy,
  PolicyDecision,
  PolicyFn,
  ResourceLoaderFn,
} from '../authorization-requirement.interface.js';
export type { NamedPolicy, OwnerPolicyOptions, TenantPolicyOptions } from '../policies.js';
export { definePolicy, policyName, tenantPolicy } from '../policies.js';
