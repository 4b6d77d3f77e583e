import { getPeer } from '@bulwark/core';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type {
  AuthorizationRequirement,
  NameRequirement,
  ObjectRequirement,
} from './authorization-requirement.interface.js';
import { AuthzError } from './authz.error.js';
import { loadedResource } from './internal/loaded-resource.js';
import { mergeRequirement, toNameRequirement } from './internal/requirement.js';

/** A decorator usable on a controller class or on a route handler. */
export type RequirementDecorator = ClassDecorator & MethodDecorator;

function requirementDecorator(addition: AuthorizationRequirement): RequirementDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    mergeRequirement(descriptor ? (descriptor.value as object) : target, addition);
    return descriptor;
  }) as RequirementDecorator;
}

/**
 * Requires OAuth scopes. One name requires that scope; for several, say which rule applies.
 * A caller without them gets 403 with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750 §3.1).
 *
 * @example
 * ```ts
 * @RequireScopes('notes:read')
 * @RequireScopes({ allOf: ['notes:read', 'notes:export'] })
 * @RequireScopes({ anyOf: ['notes:read', 'notes:admin'] })
 * ```
 */
export function RequireScopes(spec: string | NameRequirement): RequirementDecorator {
  return requirementDecorator({ scopes: toNameRequirement('Scopes', spec) });
}

/**
 * Requires roles, read only from the principal's `roles` (the role claim `@bulwark/auth` was
 * configured with; a claim that is not an array of strings grants nothing). A caller without
 * them gets a 403 problem.
 *
 * @example
 * ```ts
 * @RequireRoles('admin')
 * @RequireRoles({ anyOf: ['admin', 'auditor'] })
 * ```
 */
export function RequireRoles(spec: string | NameRequirement): RequirementDecorator {
  return requirementDecorator({ roles: toNameRequirement('Roles', spec) });
}

/**
 * Requires permissions, granted through the module's `permissions` map from roles to
 * permissions. A caller without them gets a 403 problem.
 *
 * @example
 * ```ts
 * AuthzModule.forRoot({ permissions: { admin: ['notes:purge'] } });
 * @RequirePermissions('notes:purge')
 * ```
 */
export function RequirePermissions(spec: string | NameRequirement): RequirementDecorator {
  return requirementDecorator({ permissions: toNameRequirement('Permissions', spec) });
}

/**
 * Requires the calling service to be one of `peers`: its `Peer` (from a client certificate
 * verified by `@bulwark/http`, or a trusted mesh sidecar's `x-forwarded-client-cert`) must have
 * one of these SPIFFE IDs or ids. It fails closed: no peer, or another one, gets a 403 problem,
 * an `authorization.denied` event (`peer_missing`, `peer_not_allowed`) and so a metric.
 *
 * It adds to the route's other requirements: with `@RequireScopes('notes:read')` the request
 * needs both the peer and a user token with that scope ("the orders service, on behalf of a
 * user"). On a `@Public()` route it is the only check: the service calls without a user token.
 * A route declaring only a peer requirement counts as declared for deny by default. Declared on
 * the controller and on a handler, the handler's list replaces the controller's.
 *
 * @example
 * ```ts
 * @RequirePeer('spiffe://cluster.local/ns/orders/sa/orders')
 * @RequireScopes('notes:read')
 * @Get('notes')
 * list(@CurrentPeer() peer: Peer) { ... }
 * ```
 */
export function RequirePeer(...peers: string[]): RequirementDecorator {
  if (peers.length === 0) {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      '@RequirePeer() needs at least one peer; an empty list would allow no one or everyone',
    );
  }
  for (const peer of peers) {
    if (typeof peer !== 'string' || peer.trim() === '' || /\s/.test(peer)) {
      throw new AuthzError(
        'AUTHZ_INVALID_DECLARATION',
        '@RequirePeer() takes non-empty peer ids without spaces, such as spiffe://cluster.local/ns/orders/sa/orders',
      );
    }
  }
  return requirementDecorator({ peer: { anyOf: [...new Set(peers)] } });
}

/**
 * Injects the request's `Peer`, or `undefined` when the caller proved no service identity. On a
 * route with {@link RequirePeer} it is always set.
 *
 * @example
 * ```ts
 * @RequirePeer('spiffe://cluster.local/ns/orders/sa/orders')
 * @Post('sync')
 * sync(@CurrentPeer() peer: Peer) { return { from: peer.spiffeId }; }
 * ```
 */
export const CurrentPeer = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  getPeer(context.switchToHttp().getRequest()),
);

/**
 * Declares that any authenticated caller may use the route, with no scope or role. It still
 * satisfies deny by default, and still answers 401 to an anonymous caller.
 *
 * @example
 * ```ts
 * @Authenticated()
 * @Get('me')
 * me(@Req() request: unknown) { return getPrincipal(request); }
 * ```
 */
export function Authenticated(): RequirementDecorator {
  return requirementDecorator({ authenticated: true });
}

/**
 * Object-level authorization: the guard loads the object once from the route parameters, asks
 * the policy, and hands the object to the handler through {@link LoadedResource}. A missing
 * object answers 404; a denial answers 404 too (or `denyStatus`); a loader or policy that
 * throws denies.
 *
 * @example
 * ```ts
 * @RequireScopes('notes:write')
 * @Authorize({ action: 'notes:update', load: ({ params }) => notes.get(params.id), policy: ownerPolicy() })
 * @Patch(':id')
 * update(@LoadedResource() note: Note, @Body() body: UpdateNote) { ... }
 * ```
 */
export function Authorize<R>(requirement: ObjectRequirement<R>): MethodDecorator {
  if (typeof requirement?.action !== 'string' || requirement.action.trim() === '') {
    throw new AuthzError('AUTHZ_INVALID_DECLARATION', '@Authorize() needs a non-empty action');
  }
  if (typeof requirement.load !== 'function') {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      '@Authorize() needs a load function or class',
    );
  }
  if (typeof requirement.policy !== 'function') {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      '@Authorize() needs a policy function or class',
    );
  }
  if (requirement.denyStatus !== undefined && ![403, 404].includes(requirement.denyStatus)) {
    throw new AuthzError('AUTHZ_INVALID_DECLARATION', '@Authorize() denyStatus must be 403 or 404');
  }
  return requirementDecorator({ object: requirement as ObjectRequirement }) as MethodDecorator;
}

/**
 * Injects the object the route's {@link Authorize} loader read and its policy allowed, so the
 * handler never fetches it a second time.
 *
 * @example
 * ```ts
 * @Get(':id')
 * get(@LoadedResource() note: Note) { return note; }
 * ```
 */
export const LoadedResource = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  loadedResource(context.switchToHttp().getRequest()),
);
