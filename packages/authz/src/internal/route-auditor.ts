import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { AuthzError } from '../authz.error.js';
import { InjectAuthzOptions } from '../authz.module-definition.js';
import type { ResolvedAuthzOptions } from '../authz-options.interface.js';
import { bodyParameters, uncheckedBodyReason } from './body-types.js';
import { effectiveRequirement, isPublic } from './requirement.js';
import { isLoaderClass, isPolicyClass } from './resolve.js';
import { type DiscoveredRoute, discoverRoutes } from './routes.js';
import {
  expressRoutes,
  type ServerRoute,
  uncoveredRoutes,
  watchFastifyRoutes,
} from './server-routes.js';

const FIX =
  'Fix: mark anonymous routes @Public() (from @bulwark/core), or declare who may call each one ' +
  'with @RequireScopes(), @RequireRoles(), @RequirePermissions(), @Authenticated() or @Authorize() ' +
  '(from @bulwark/authz).';

/**
 * Deny by default, checked at start-up: every route of an HTTP application must be `@Public()`
 * or carry an authorization requirement, every injectable loader or policy must resolve, and
 * every route the HTTP server answers must be a controller's (or allow-listed).
 * Application contexts without an HTTP server (such as the inventory CLI) are not checked.
 */
@Injectable()
export class RouteAuditor implements OnApplicationBootstrap {
  private readonly logger = new Logger('BulwarkAuthz');

  constructor(
    @InjectAuthzOptions() private readonly options: ResolvedAuthzOptions,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const adapter = adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    // Now, while the container is built and before Nest's router or any plugin adds a route;
    // checked in onReady, once every plugin (loaded only by ready()) has added its routes.
    const instance = adapter.getInstance() as {
      addHook(name: 'onReady', hook: () => Promise<void>): unknown;
    };
    const routes = watchFastifyRoutes(instance);
    if (routes) {
      instance.addHook('onReady', async () => this.checkServerRoutes(routes));
    }
  }

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const routes = discoverRoutes(this.moduleRef);
    const conflicting = routes.filter(
      (route) => isPublic(route.controller, route.handler) && hasUserRequirement(route),
    );
    if (conflicting.length > 0) {
      throw new AuthzError(
        'AUTHZ_CONFLICTING_DECLARATION',
        `${conflicting.length} route(s) are @Public() and also carry an authorization requirement, which a public route never checks (only @RequirePeer() goes with @Public()):\n${list(conflicting)}\nFix: remove @Public() or the requirement.`,
      );
    }
    this.checkInjectables(routes);
    if (this.options.validation !== false) checkBodies(routes);
    const undeclared = routes.filter(
      (route) => !isPublic(route.controller, route.handler) && !hasRequirement(route),
    );
    if (undeclared.length > 0) {
      const message = `Deny by default: ${undeclared.length} route(s) declare neither @Public() nor an authorization requirement:\n${list(undeclared)}\n${FIX}`;
      if (this.options.undeclaredRoutes === 'fail') {
        throw new AuthzError('AUTHZ_UNDECLARED_ROUTES', message);
      }
      this.logger.warn(`${message}\nThey answer 403 until declared.`);
    }
    // Express has no ready step: its routes are read now, after main.ts added its own (listen()
    // runs init()). Fastify's are checked in onReady (see the constructor).
    if (adapter.getType() === 'express') {
      this.checkServerRoutes(expressRoutes(adapter.getInstance()), routes);
    }
  }

  private checkServerRoutes(
    server: readonly ServerRoute[],
    declared: readonly DiscoveredRoute[] = discoverRoutes(this.moduleRef),
  ): void {
    const uncovered = uncoveredRoutes(
      server,
      declared,
      this.options.unguardedRoutes,
      this.moduleRef.get(ApplicationConfig, { strict: false }).getGlobalPrefix(),
    );
    if (uncovered.length === 0) return;
    throw new AuthzError(
      'AUTHZ_UNGUARDED_ROUTES',
      `Deny by default: ${uncovered.length} route(s) are answered by the HTTP server but declared by no controller, so no guard checks them:\n${uncovered.map((route) => `  - ${route.method} ${route.path}`).join('\n')}\n${SERVER_ROUTES_FIX}`,
    );
  }

  private checkInjectables(routes: readonly DiscoveredRoute[]): void {
    for (const route of routes) {
      const object = effectiveRequirement(route.controller, route.handler)?.object;
      if (!object) continue;
      for (const type of [
        isLoaderClass(object.load) ? object.load : undefined,
        isPolicyClass(object.policy) ? object.policy : undefined,
      ]) {
        if (!type) continue;
        try {
          this.moduleRef.get(type, { strict: false });
        } catch {
          throw new AuthzError(
            'AUTHZ_UNRESOLVED_PROVIDER',
            `${type.name}, used by @Authorize() on ${describeRoute(route)}, is not a provider: add it to the providers of a module`,
          );
        }
      }
    }
  }
}

const SERVER_ROUTES_FIX =
  'Fix: serve them from a controller marked @Public() or with a requirement, or, if they must ' +
  "stay outside Nest, list them in AuthzModule.forRoot({ unguardedRoutes: ['GET /docs'] }); " +
  'the route inventory lists every allowed one.';

const BODY_FIX =
  'Fix: declare a DTO class (@Body() body: CreateNote), an array of DTOs with ' +
  "@BodyOf([CreateNote]) (from @bulwark/authz), or opt out with @UncheckedBody('why'), " +
  'which the route inventory lists.';

/** Mass assignment: a body the strict pipe cannot hold to a whitelist stops start-up. */
function checkBodies(routes: readonly DiscoveredRoute[]): void {
  const unvalidated: string[] = [];
  const seen = new Set<unknown>();
  for (const route of routes) {
    // A handler with several paths or versions is reported once.
    if (seen.has(route.handler)) continue;
    seen.add(route.handler);
    if (uncheckedBodyReason(route.controller, route.handler) !== undefined) continue;
    for (const parameter of bodyParameters(route.controller, route.handlerName)) {
      if (parameter.validated) continue;
      const body = parameter.property ? `@Body('${parameter.property}')` : '@Body()';
      unvalidated.push(
        `  - ${describeRoute(route)}: ${body} parameter ${parameter.index} is ${parameter.type}`,
      );
    }
  }
  if (unvalidated.length === 0) return;
  throw new AuthzError(
    'AUTHZ_UNVALIDATED_BODY',
    `Strict validation: ${unvalidated.length} route body(ies) have a type that cannot be validated (an interface, Object, any, or an array without its element class):\n${unvalidated.join('\n')}\n${BODY_FIX}`,
  );
}

function hasRequirement(route: DiscoveredRoute): boolean {
  const requirement = effectiveRequirement(route.controller, route.handler);
  return requirement !== undefined && Object.keys(requirement).length > 0;
}

/** A requirement on the user (token): everything but the calling service's `peer`. */
function hasUserRequirement(route: DiscoveredRoute): boolean {
  const requirement = effectiveRequirement(route.controller, route.handler);
  return requirement !== undefined && Object.keys(requirement).some((key) => key !== 'peer');
}

function describeRoute(route: DiscoveredRoute): string {
  return `${route.method} ${route.path} (${route.controller.name}.${route.handlerName})`;
}

function list(routes: readonly DiscoveredRoute[]): string {
  return routes.map((route) => `  - ${describeRoute(route)}`).join('\n');
}
