// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/authz`: what an application calls or types. The rest is in the subpath entry points
 * (`@bulwark/authz/policies`, `/opa`, `/inventory`, `/lists`, `/guard`), listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { AuthzModule } from './authz.module.js';
export { InjectAuthzOptions } from './authz.module-definition.js';
export type { AuthzModuleOptions, ResolvedAuthzOptions } from './authz-options.interface.js';

// Requirements on routes
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
export type {
  AuthorizationContext,
  ResourceLoader,
} from './authorization-requirement.interface.js';

// Policies
export { allPolicies, anyPolicy, ownerPolicy, rolePolicy } from './policies.js';

// Request bodies and responses
export { BodyOf, UncheckedBody } from './body.decorators.js';
export { Serialize, serializeWith } from './serialize.decorator.js';

// Errors
export type { AuthzErrorCode } from './authz.error.js';
export { AuthzError } from './authz.error.js';
