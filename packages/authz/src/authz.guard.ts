import { getPeer, getPrincipal, type Principal } from '@bulwark/core';
import {
  type PipelineStage,
  type PipelineStep,
  RoutePlans,
  type RouteTarget,
} from '@bulwark/core/pipeline';
import { resolveRouteTemplate } from '@bulwark/core/routes';
import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  Injectable,
  Logger,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type {
  AuthorizationContext,
  AuthorizationRequirement,
  PeerRequirement,
} from './authorization-requirement.interface.js';
import { InjectAuthzOptions } from './authz.module-definition.js';
import type { ResolvedAuthzOptions } from './authz-options.interface.js';
import { type DenialInit, type DenialReason, deny, notFound } from './internal/denials.js';
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
import { isThenable, resolvedLoader, resolvedPolicy } from './internal/resolve.js';

/** The object-level part of a route's plan: its loader and policy resolved once. */
interface ObjectPlan {
  readonly action: string;
  /** 403 or 404: the route's `denyStatus`, else the module's `objectDenialStatus`. */
  readonly status: 403 | 404;
  readonly load: (context: AuthorizationContext) => unknown;
  readonly policy: (
    principal: Principal,
    resource: unknown,
    context: AuthorizationContext,
  ) => unknown;
}

/** What a route declares, planned once per route. */
interface RoutePlan {
  readonly public: boolean;
  /** `undefined` when the route declares nothing: it is denied. */
  readonly requirement: AuthorizationRequirement | undefined;
  readonly peer: PeerRequirement | undefined;
  readonly object: ObjectPlan | undefined;
}

interface HttpRequest {
  method?: string;
  url?: string;
  params?: Record<string, string>;
}

/**
 * Authorization, the last guard step of the request pipeline `AuthzModule` registers (after
 * authentication and rate limiting, whatever the modules' import order), and a guard usable with
 * `@UseGuards(AuthzGuard)`. It fails closed: a non-public route reached without a principal
 * answers 401, an undeclared route 403.
 *
 * Each route's declaration, with its loader and policy resolved from the module graph, is
 * planned once per route, not per request.
 *
 * Order of checks: public, principal, peer, scopes, roles, permissions, then the object-level
 * loader and policy. A `@Public()` route with `@RequirePeer()` checks the peer only.
 */
@Injectable()
export class AuthzGuard implements CanActivate, PipelineStep<RoutePlan> {
  /** Runs after authentication and rate limiting. */
  readonly stage: PipelineStage = 'authorization';
  private readonly logger = new Logger('BulwarkAuthz');
  private readonly plans = new RoutePlans((route) => this.planFor(route));

  constructor(
    @InjectAuthzOptions() private readonly options: ResolvedAuthzOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * The route's declaration, read from the decorators' metadata; `undefined` (nothing to check)
   * on a `@Public()` route without `@RequirePeer()`.
   */
  planFor(route: RouteTarget): RoutePlan | undefined {
    const controller = route.controller as ControllerTarget;
    const handler = route.handler as HandlerTarget;
    const declared = effectiveRequirement(controller, handler);
    const requirement = declared && Object.keys(declared).length > 0 ? declared : undefined;
    const open = isPublic(controller, handler);
    if (open && requirement?.peer === undefined) return undefined;
    const object = requirement?.object;
    return {
      public: open,
      requirement,
      peer: requirement?.peer,
      object: object && {
        action: object.action,
        status: object.denyStatus ?? this.options.objectDenialStatus,
        load: resolvedLoader(this.moduleRef, object.load),
        policy: resolvedPolicy(this.moduleRef, object.policy, object.action),
      },
    };
  }

  /** As a guard of its own (`@UseGuards(AuthzGuard)`): the route's plan, then {@link run}. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const plan = this.plans.get(context.getClass(), context.getHandler());
    return plan === undefined ? true : this.run(context, plan);
  }

  /**
   * Checks a request against the route's plan. Synchronous loaders and policies are answered
   * synchronously (Nest then awaits nothing); a promise from either makes the rest wait for it.
   */
  run(context: ExecutionContext, plan: RoutePlan): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<unknown>();
    if (context.getType() !== 'http') {
      throw this.deny(context, request, response, 403, 'unsupported_context', undefined);
    }
    if (plan.public) {
      checkPeer(plan.peer as PeerRequirement, undefined, context, request, response);
      return true;
    }
    const principal = getPrincipal(request);
    if (!principal) throw this.deny(context, request, response, 401, 'unauthenticated', principal);
    const requirement = plan.requirement;
    if (!requirement) {
      throw this.deny(context, request, response, 403, 'undeclared_route', principal);
    }
    if (plan.peer) checkPeer(plan.peer, principal, context, request, response);
    this.checkFunctionLevel(requirement, principal, context, request, response);
    if (plan.object) return this.checkObjectLevel(plan.object, principal, context, request);
    return true;
  }

  private deny(
    context: ExecutionContext,
    request: HttpRequest,
    response: unknown,
    status: 401 | 403,
    reason: DenialReason,
    principal: Principal | undefined,
    extra: { action?: string | undefined; scopes?: readonly string[] } = {},
  ) {
    return deny({
      request,
      response,
      route: routeOf(context, request),
      status,
      reason,
      principal,
      ...extra,
    });
  }

  private checkFunctionLevel(
    requirement: AuthorizationRequirement,
    principal: Principal,
    context: ExecutionContext,
    request: HttpRequest,
    response: unknown,
  ): void {
    const action = requirement.object?.action;
    if (requirement.scopes && !satisfies(requirement.scopes, principalScopes(principal))) {
      throw this.deny(context, request, response, 403, 'insufficient_scope', principal, {
        action,
        scopes: requirementNames(requirement.scopes),
      });
    }
    const roles = principalRoles(principal);
    if (requirement.roles && !satisfies(requirement.roles, roles)) {
      throw this.deny(context, request, response, 403, 'missing_role', principal, { action });
    }
    if (requirement.permissions && !satisfies(requirement.permissions, this.permissionsOf(roles))) {
      throw this.deny(context, request, response, 403, 'missing_permission', principal, {
        action,
      });
    }
  }

  /**
   * Loads the resource and asks the policy. Synchronous loaders and policies are answered
   * synchronously (Nest then awaits nothing); a promise from either makes the rest wait for it.
   */
  private checkObjectLevel(
    object: ObjectPlan,
    principal: Principal,
    execution: ExecutionContext,
    request: HttpRequest,
  ): true | Promise<true> {
    const route = routeOf(execution, request);
    const check: ObjectCheck = {
      object,
      principal,
      logger: this.logger,
      context: {
        principal,
        action: object.action,
        route,
        params: { ...(request.params ?? {}) },
        request,
        peer: getPeer(request),
      },
      denial: {
        request,
        response: execution.switchToHttp().getResponse<unknown>(),
        route,
        status: object.status,
        principal,
        action: object.action,
      },
      resource: undefined,
    };
    let loaded: unknown;
    try {
      loaded = object.load(check.context);
    } catch (error) {
      throw loaderFailed(error, check);
    }
    return whenSettled(loaded, decide, loaderFailed, check);
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
  context: ExecutionContext,
  request: HttpRequest,
  response: unknown,
): void {
  const peer = getPeer(request);
  const route = () => routeOf(context, request);
  if (peer === undefined) {
    throw deny({
      request,
      response,
      route: route(),
      status: 403,
      reason: 'peer_missing',
      principal,
    });
  }
  const allowed = requirement.anyOf;
  if (
    !allowed.includes(peer.id) &&
    !(peer.spiffeId !== undefined && allowed.includes(peer.spiffeId))
  ) {
    throw deny({
      request,
      response,
      route: route(),
      status: 403,
      reason: 'peer_not_allowed',
      principal,
      peer: peer.id,
    });
  }
}

/** `METHOD /template` of the request, for denials and the policy context. */
function routeOf(context: ExecutionContext, request: HttpRequest | undefined): string {
  return `${request?.method ?? context.getType()} ${resolveRouteTemplate(request) ?? pathOf(request)}`;
}

function pathOf(request: HttpRequest | undefined): string {
  return (request?.url ?? '').split('?')[0] ?? '';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** One request's object-level check: what the loader, the policy and the denials need. */
interface ObjectCheck {
  readonly object: ObjectPlan;
  readonly principal: Principal;
  readonly logger: Logger;
  readonly context: AuthorizationContext;
  readonly denial: Omit<DenialInit, 'reason'>;
  /** The loaded resource, once the loader answered. */
  resource: unknown;
}

/**
 * Hands `value` to `next` now, or once it settles when it is a promise; a rejection becomes the
 * exception `failed` builds. No promise is made for a plain value.
 */
function whenSettled<T>(
  value: unknown,
  next: (value: unknown, check: ObjectCheck) => T | Promise<T>,
  failed: (error: unknown, check: ObjectCheck) => unknown,
  check: ObjectCheck,
): T | Promise<T> {
  if (!isThenable(value)) return next(value, check);
  return Promise.resolve(value).then(
    (settled) => next(settled, check),
    (error: unknown) => {
      throw failed(error, check);
    },
  );
}

/** The loaded resource goes to the policy; none is a 404 (or the route's denial status). */
function decide(resource: unknown, check: ObjectCheck): true | Promise<true> {
  if (resource === undefined || resource === null) throw notFound('resource_not_found');
  check.resource = resource;
  let decision: unknown;
  try {
    decision = check.object.policy(check.principal, resource, check.context);
  } catch (error) {
    throw policyFailed(error, check);
  }
  return whenSettled(decision, conclude, policyFailed, check);
}

/** `allow` (or `true`) lets the request through with the resource kept for the handler. */
function conclude(decision: unknown, check: ObjectCheck): true {
  if (decision !== 'allow' && decision !== true) {
    throw deny({ ...check.denial, reason: 'policy_denied' });
  }
  storeLoadedResource(check.denial.request, check.resource);
  return true;
}

/** A loader may answer deliberately (400 for a malformed id); anything else fails closed. */
function loaderFailed(error: unknown, check: ObjectCheck): unknown {
  if (error instanceof HttpException && error.getStatus() < 500) return error;
  check.logger.error(
    `loader failed for ${check.denial.route} (${check.object.action}): ${describe(error)}`,
  );
  return deny({ ...check.denial, reason: 'loader_error' });
}

/** A policy that throws or rejects denies, and the error is logged, never sent. */
function policyFailed(error: unknown, check: ObjectCheck): unknown {
  check.logger.error(
    `policy failed for ${check.denial.route} (${check.object.action}): ${describe(error)}`,
  );
  return deny({ ...check.denial, reason: 'policy_error' });
}
