import { getPeer, getPrincipal, type Principal, resolveRouteTemplate } from '@bulwark/core';
import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type {
  AuthorizationContext,
  AuthorizationRequirement,
  ObjectRequirement,
  PeerRequirement,
} from './authorization-requirement.interface.js';
import { AUTHZ_OPTIONS } from './authz.constants.js';
import type { ResolvedAuthzOptions } from './authz-options.interface.js';
import { type DenialInit, deny, notFound } from './internal/denials.js';
import { storeLoadedResource } from './internal/loaded-resource.js';
import { principalRoles, principalScopes } from './internal/principal-claims.js';
import {
  type ControllerTarget,
  effectiveRequirement,
  type HandlerTarget,
  isPublic,
  requirementNames,
  satisfies,
} from './internal/requirement.js';
import { isThenable, runLoader, runPolicy } from './internal/resolve.js';

/** What a route declares, cached per handler. */
interface Declaration {
  readonly public: boolean;
  /** `undefined` when the route declares nothing: it is denied. */
  readonly requirement: AuthorizationRequirement | undefined;
}

interface HttpRequest {
  method?: string;
  url?: string;
  params?: Record<string, string>;
}

/**
 * The global guard `AuthzModule` installs. It runs after `@bulwark/auth`'s guard (import
 * `AuthModule` before `AuthzModule`) and fails closed: a non-public route reached without a
 * principal answers 401, an undeclared route 403.
 *
 * Order of checks: public, principal, peer, scopes, roles, permissions, then the object-level
 * loader and policy. A `@Public()` route with `@RequirePeer()` checks the peer only.
 */
@Injectable()
export class AuthzGuard implements CanActivate {
  private readonly logger = new Logger('BulwarkAuthz');
  private readonly declarations = new WeakMap<
    ControllerTarget,
    WeakMap<HandlerTarget, Declaration>
  >();

  constructor(
    @Inject(AUTHZ_OPTIONS) private readonly options: ResolvedAuthzOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const handler = context.getHandler() as HandlerTarget;
    const controller = context.getClass();
    const declaration = this.declarationOf(controller, handler);
    const peerRequirement = declaration.requirement?.peer;
    if (declaration.public && peerRequirement === undefined) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const response = context.switchToHttp().getResponse<unknown>();
    const route = `${request?.method ?? context.getType()} ${resolveRouteTemplate(request) ?? pathOf(request)}`;
    const base = { request, response, route };
    if (context.getType() !== 'http') {
      throw deny({ ...base, status: 403, reason: 'unsupported_context', principal: undefined });
    }
    if (declaration.public) {
      checkPeer(peerRequirement as PeerRequirement, undefined, base);
      return true;
    }
    const principal = getPrincipal(request);
    if (!principal) throw deny({ ...base, status: 401, reason: 'unauthenticated', principal });
    const requirement = declaration.requirement;
    if (!requirement) throw deny({ ...base, status: 403, reason: 'undeclared_route', principal });
    if (peerRequirement) checkPeer(peerRequirement, principal, base);
    this.checkFunctionLevel(requirement, principal, base);
    if (requirement.object) return this.checkObjectLevel(requirement, principal, base, request);
    return true;
  }

  /**
   * What a route declares: read from the decorators' metadata once per handler, which does not
   * change after bootstrap, instead of four metadata lookups and a merge on every request.
   */
  private declarationOf(controller: ControllerTarget, handler: HandlerTarget): Declaration {
    let byHandler = this.declarations.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.declarations.set(controller, byHandler);
    }
    let declaration = byHandler.get(handler);
    if (!declaration) {
      const requirement = effectiveRequirement(controller, handler);
      declaration = {
        public: isPublic(controller, handler),
        requirement: requirement && Object.keys(requirement).length > 0 ? requirement : undefined,
      };
      byHandler.set(handler, declaration);
    }
    return declaration;
  }

  private checkFunctionLevel(
    requirement: AuthorizationRequirement,
    principal: Principal,
    base: Pick<DenialInit, 'request' | 'response' | 'route'>,
  ): void {
    const action = requirement.object?.action;
    if (requirement.scopes && !satisfies(requirement.scopes, principalScopes(principal))) {
      throw deny({
        ...base,
        status: 403,
        reason: 'insufficient_scope',
        principal,
        action,
        scopes: requirementNames(requirement.scopes),
      });
    }
    const roles = principalRoles(principal);
    if (requirement.roles && !satisfies(requirement.roles, roles)) {
      throw deny({ ...base, status: 403, reason: 'missing_role', principal, action });
    }
    if (requirement.permissions && !satisfies(requirement.permissions, this.permissionsOf(roles))) {
      throw deny({ ...base, status: 403, reason: 'missing_permission', principal, action });
    }
  }

  /**
   * Loads the resource and asks the policy. Synchronous loaders and policies are answered
   * synchronously (Nest then awaits nothing); a promise from either makes the rest wait for it.
   */
  private checkObjectLevel(
    requirement: AuthorizationRequirement,
    principal: Principal,
    base: Pick<DenialInit, 'request' | 'response' | 'route'>,
    request: HttpRequest,
  ): true | Promise<true> {
    const object = requirement.object as ObjectRequirement;
    const status = object.denyStatus ?? this.options.objectDenialStatus;
    const context: AuthorizationContext = {
      principal,
      action: object.action,
      route: base.route,
      params: { ...(request.params ?? {}) },
      request,
      peer: getPeer(request),
    };
    const denial = { ...base, status, principal, action: object.action } as const;
    const loaderFailed = (error: unknown) => {
      // A loader may answer deliberately (400 for a malformed id); anything else fails closed.
      if (error instanceof HttpException && error.getStatus() < 500) return error;
      this.logger.error(`loader failed for ${base.route} (${object.action}): ${describe(error)}`);
      return deny({ ...denial, reason: 'loader_error' });
    };
    const policyFailed = (error: unknown) => {
      this.logger.error(`policy failed for ${base.route} (${object.action}): ${describe(error)}`);
      return deny({ ...denial, reason: 'policy_error' });
    };
    const conclude = (resource: unknown, decision: unknown): true => {
      if (decision !== 'allow' && decision !== true) {
        throw deny({ ...denial, reason: 'policy_denied' });
      }
      storeLoadedResource(request, resource);
      return true;
    };
    const decide = (resource: unknown): true | Promise<true> => {
      if (resource === undefined || resource === null) throw notFound('resource_not_found');
      let decision: unknown;
      try {
        decision = runPolicy(this.moduleRef, object.policy, principal, resource, context);
      } catch (error) {
        throw policyFailed(error);
      }
      if (!isThenable(decision)) return conclude(resource, decision);
      return Promise.resolve(decision).then(
        (answer) => conclude(resource, answer),
        (error: unknown) => {
          throw policyFailed(error);
        },
      );
    };
    let loaded: unknown;
    try {
      loaded = runLoader(this.moduleRef, object.load, context);
    } catch (error) {
      throw loaderFailed(error);
    }
    if (!isThenable(loaded)) return decide(loaded);
    return Promise.resolve(loaded).then(decide, (error: unknown) => {
      throw loaderFailed(error);
    });
  }

  private permissionsOf(roles: readonly string[]): string[] {
    const granted = new Set<string>();
    for (const role of roles) {
      for (const permission of this.options.permissions.get(role) ?? []) granted.add(permission);
    }
    return [...granted];
  }
}

/** The request's peer must be one of the declared ones, by id or SPIFFE ID; none fails closed. */
function checkPeer(
  requirement: PeerRequirement,
  principal: Principal | undefined,
  base: Pick<DenialInit, 'request' | 'response' | 'route'>,
): void {
  const peer = getPeer(base.request);
  if (peer === undefined) throw deny({ ...base, status: 403, reason: 'peer_missing', principal });
  const allowed = requirement.anyOf;
  if (
    !allowed.includes(peer.id) &&
    !(peer.spiffeId !== undefined && allowed.includes(peer.spiffeId))
  ) {
    throw deny({ ...base, status: 403, reason: 'peer_not_allowed', principal, peer: peer.id });
  }
}

function pathOf(request: HttpRequest | undefined): string {
  return (request?.url ?? '').split('?')[0] ?? '';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
