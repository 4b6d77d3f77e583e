import { BulwarkConfigError } from '@bulwark/core';
import { StrictValidationPipe } from '@bulwark/errors';
import type { AuthzModuleOptions, ResolvedAuthzOptions } from '../authz-options.interface.js';
import { parseRouteSpec } from './server-routes.js';

/** Validates the module options once, naming the option at fault, and applies defaults. */
export function resolveAuthzOptions(options: AuthzModuleOptions | undefined): ResolvedAuthzOptions {
  const input = options ?? {};
  if (typeof input !== 'object') {
    throw new BulwarkConfigError('AuthzModule options', 'must be an object');
  }
  const permissions = new Map<string, ReadonlySet<string>>();
  if (input.permissions !== undefined) {
    if (typeof input.permissions !== 'object' || input.permissions === null) {
      throw new BulwarkConfigError('permissions', 'must map role names to arrays of permissions');
    }
    for (const [role, granted] of Object.entries(input.permissions)) {
      if (
        !Array.isArray(granted) ||
        granted.some((name) => typeof name !== 'string' || name.trim() === '')
      ) {
        throw new BulwarkConfigError(
          `permissions.${role}`,
          'must be an array of non-empty permission names',
        );
      }
      permissions.set(role, new Set(granted));
    }
  }
  const objectDenialStatus = input.objectDenialStatus ?? 404;
  if (objectDenialStatus !== 403 && objectDenialStatus !== 404) {
    throw new BulwarkConfigError('objectDenialStatus', 'must be 404 (default) or 403');
  }
  const undeclaredRoutes = input.undeclaredRoutes ?? 'fail';
  if (undeclaredRoutes !== 'fail' && undeclaredRoutes !== 'warn') {
    throw new BulwarkConfigError('undeclaredRoutes', "must be 'fail' (default) or 'warn'");
  }
  const validation = input.validation ?? {};
  if (validation !== false && (typeof validation !== 'object' || validation === null)) {
    throw new BulwarkConfigError('validation', 'must be an options object or false');
  }
  // The pipe checks its options when built (`validation.protectedFields: must be an array of
  // field names`); built here too, so that forRoot() refuses them at once.
  if (validation) new StrictValidationPipe(validation);
  const serialization = input.serialization ?? true;
  if (typeof serialization !== 'boolean') {
    throw new BulwarkConfigError('serialization', 'must be true (default) or false');
  }
  const unguardedRoutes = (input.unguardedRoutes ?? []) as readonly unknown[];
  if (!Array.isArray(unguardedRoutes)) {
    throw new BulwarkConfigError('unguardedRoutes', "must be an array of 'METHOD /path' strings");
  }
  const allowed = unguardedRoutes.map((spec, index) => {
    const route = parseRouteSpec(spec);
    if (!route) {
      throw new BulwarkConfigError(
        `unguardedRoutes[${index}]`,
        "must be 'METHOD /path' with an HTTP method or ALL, such as 'GET /docs'",
      );
    }
    return route;
  });
  return {
    permissions,
    objectDenialStatus,
    undeclaredRoutes,
    validation,
    serialization,
    unguardedRoutes: allowed,
  };
}
