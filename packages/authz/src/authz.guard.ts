import { getPrincipal, type Principal, resolveRouteTemplate } from '@bulwark/core';
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
} from './authorization-requirement.interface.js';
import { AUTHZ_OPTIONS } from './authz.constants.js';
import type { ResolvedAuthzOptions } from './authz-options.interface.js';
import { type DenialInit, deny, notFound } from './internal/denials.js';
import { storeLoadedResource } from './internal/loaded-resource.js';
import { principalRoles, principalScopes } from './internal/principal-claims.js';
import {
  effectiveRequirement,
  type HandlerTarget,
  isPublic,
  requirementNames,
  satisfies,
} from './internal/requirement.js';
import { runLoader, runPolicy } from './internal/resolve.js';

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
 * Order of checks: public, principal, scopes, roles, permissions, then the object-level loader
 * and policy.
 */
@Injectable()
export class AuthzGuard implements CanActivate {
  private readonly logger = new Logger('BulwarkAuthz');

  constructor(
    @Inject(AUTHZ_OPTIONS) private readonly options: ResolvedAuthzOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler() as HandlerTarget;
    const controller = context.getClass();
    if (isPublic(controller, handler)) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const response = context.switchToHttp().getResponse<unknown>();
    const route = `${request?.method ?? context.getType()} ${resolveRouteTemplate(request) ?? pathOf(request)}`;
    const base = { request, response, route };
    if (context.getType() !== 'http') {
      throw deny({ ...base, status: 403, reason: 'unsupported_context', principal: undefined });
    }
    const principal = getPrincipal(request);
    if (!principal) throw deny({ ...base, status: 401, reason: 'unauthenticated', principal });
    const requirement = effectiveRequirement(controller, handler);
    if (!requirement || Object.keys(requirement).length === 0) {
      throw deny({ ...base, status: 403, reason: 'undeclared_route', principal });
    }
    this.checkFunctionLevel(requirement, principal, base);
    if (requirement.object) await this.checkObjectLevel(requirement, principal, base, request);
    return true;
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

  private async checkObjectLevel(
    requirement: AuthorizationRequirement,
    principal: Principal,
    base: Pick<DenialInit, 'request' | 'response' | 'route'>,
    request: HttpRequest,
  ): Promise<void> {
    const object = requirement.object;
    if (!object) return;
    const status = object.denyStatus ?? this.options.objectDenialStatus;
    const context: AuthorizationContext = {
      principal,
      action: object.action,
      route: base.route,
      params: { ...(request.params ?? {}) },
      request,
    };
    const denial = { ...base, status, principal, action: object.action } as const;
    let resource: unknown;
    try {
      resource = await runLoader(this.moduleRef, object.load, context);
    } catch (error) {
      // A loader may answer deliberately (400 for a malformed id); anything else fails closed.
      if (error instanceof HttpException && error.getStatus() < 500) throw error;
      this.logger.error(`loader failed for ${base.route} (${object.action}): ${describe(error)}`);
      throw deny({ ...denial, reason: 'loader_error' });
    }
    if (resource === undefined || resource === null) throw notFound('resource_not_found');
    let decision: unknown;
    try {
      decision = await runPolicy(this.moduleRef, object.policy, principal, resource, context);
    } catch (error) {
      this.logger.error(`policy failed for ${base.route} (${object.action}): ${describe(error)}`);
      throw deny({ ...denial, reason: 'policy_error' });
    }
    if (decision !== 'allow' && decision !== true) {
      throw deny({ ...denial, reason: 'policy_denied' });
    }
    storeLoadedResource(request, resource);
  }

  private permissionsOf(roles: ReadonlySet<string>): ReadonlySet<string> {
    const granted = new Set<string>();
    for (const role of roles) {
      for (const permission of this.options.permissions.get(role) ?? []) granted.add(permission);
    }
    return granted;
  }
}

function pathOf(request: HttpRequest | undefined): string {
  return (request?.url ?? '').split('?')[0] ?? '';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
