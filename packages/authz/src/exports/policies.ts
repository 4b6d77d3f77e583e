/**
 * What `@Authorize()` and `@LoadedResource()` are given: the policies (`ownerPolicy`,
 * `rolePolicy`, `tenantPolicy`, and `anyPolicy` / `allPolicies` to combine them), the loader an
 * object-level route loads its resource with (`ResourceLoader`, `AuthorizationContext`), and what
 * writing policies and loaders of your own takes (`definePolicy`, `policyName`, the policy and
 * loader types).
 *
 * @packageDocumentation
 */
export type {
  AuthorizationContext,
  AuthorizationPolicy,
  PolicyDecision,
  PolicyFn,
  ResourceLoader,
  ResourceLoaderFn,
} from '../authorization-requirement.interface.js';
export type { NamedPolicy, OwnerPolicyOptions, TenantPolicyOptions } from '../policies.js';
export {
  allPolicies,
  anyPolicy,
  definePolicy,
  ownerPolicy,
  policyName,
  rolePolicy,
  tenantPolicy,
} from '../policies.js';
