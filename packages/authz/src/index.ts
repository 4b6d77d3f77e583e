// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/authz`: what an application calls or types. The rest is in the subpath entry points
 * (`@bulwark/authz/policies`, `/peer`, `/serialize`, `/opa`, `/inventory`, `/lists`, `/guard`),
 * listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { AuthzModule } from './authz.module.js';
export { InjectAuthzOptions } from './authz.module-definition.js';
export type {
  AuthzModuleOptions,
  AuthzOptionsFactory,
  ResolvedAuthzOptions,
} from './authz-options.interface.js';

// Requirements on routes
export {
  Authenticated,
  Authorize,
  LoadedResource,
  RequirePermissions,
  RequireRoles,
  RequireScopes,
} from './authz.decorators.js';

// Request bodies and responses
export { BodyOf, UncheckedBody } from './body.decorators.js';
export { Serialize } from './serialize.decorator.js';

// Errors
export type { AuthzErrorCode } from './authz.error.js';
export { AuthzError } from './authz.error.js';
