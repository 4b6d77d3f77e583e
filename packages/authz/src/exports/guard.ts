/**
 * `AuthzGuard`, the `authorization` step `AuthzModule` registers in the request pipeline, for use on
 * its own with `@UseGuards(AuthzGuard)`, and the types of the declarations it reads: what the route
 * decorators take, return and record under `ROUTE_METADATA.authorization`.
 *
 * @packageDocumentation
 */
export type {
  AuthorizationRequirement,
  NameRequirement,
  ObjectRequirement,
  PeerRequirement,
} from '../authorization-requirement.interface.js';
export type { RequirementDecorator } from '../authz.decorators.js';
export { AuthzGuard } from '../authz.guard.js';
export type { UncheckedBodyDecorator } from '../body.decorators.js';
