// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { AuthzModule } from './authz.module.js';
export { InjectAuthzOptions } from './authz.module-definition.js';
export type { AuthzModuleOptions, ResolvedAuthzOptions } from './authz-options.interface.js';

// Requirements on routes
export type { RequirementDecorator } from './authz.decorators.js';
export {
  Authenticated,
  Authorize,
  CurrentPeer,
  LoadedResource,
  RequirePeer,
  RequirePermissions,
  RequireRoles,
  RequireScopes,
} from './authz.decorators.js';
export { AuthzGuard } from './authz.guard.js';
export type {
  AuthorizationContext,
  AuthorizationPolicy,
  AuthorizationRequirement,
  NameRequirement,
  ObjectRequirement,
  PeerRequirement,
  PolicyDecision,
  PolicyFn,
  ResourceLoader,
  ResourceLoaderFn,
} from './authorization-requirement.interface.js';

// Policies
export type { NamedPolicy, OwnerPolicyOptions, TenantPolicyOptions } from './policies.js';
export {
  allPolicies,
  anyPolicy,
  definePolicy,
  ownerPolicy,
  policyName,
  rolePolicy,
  tenantPolicy,
} from './policies.js';
export type { DecisionInput, DecisionPoint, OpaDecisionPointOptions } from './decision-point.js';
export { decisionPointPolicy, OpaDecisionPoint } from './decision-point.js';

// Request bodies, responses and lists
export type { UncheckedBodyDecorator } from './body.decorators.js';
export { BodyOf, UncheckedBody } from './body.decorators.js';
export type { FieldError, StrictValidationOptions } from './strict-validation.pipe.js';
export { DEFAULT_PROTECTED_FIELDS, StrictValidationPipe } from './strict-validation.pipe.js';
export { Serialize, serializeWith } from './serialize.decorator.js';
export type { ListScope } from './query-scope.js';
export { scopeList, scopeQuery } from './query-scope.js';

// Route inventory
export type { RouteInventoryEntry, RouteInventoryOptions } from './route-inventory.js';
export {
  buildRouteInventory,
  formatRouteInventory,
  formatRouteInventoryJson,
} from './route-inventory.js';

// Errors
export type { AuthzErrorCode } from './authz.error.js';
export { AuthzError } from './authz.error.js';
