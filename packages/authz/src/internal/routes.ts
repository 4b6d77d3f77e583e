import { RequestMethod, type VersioningOptions } from '@nestjs/common';
import {
  ApplicationConfig,
  DiscoveryService,
  MetadataScanner,
  ModulesContainer,
} from '@nestjs/core';
// A NestJS internal, not part of its public API: Nest's own path builder (global prefix and its
// exclusions, URI version, RouterModule path, controller and method paths), exactly as the router
// registers them. NestJS 12 has no public API that lists the routes with their full paths:
// - the GraphInspector's entrypoints exist only with `snapshot: true`, and never in the
//   application context the inventory CLI builds (no HTTP server, no router);
// - the adapters (Express, Fastify) know paths but not the controller and handler behind each,
//   and only after `init()`;
// - rebuilding the path from the metadata would copy Nest's rules for prefix exclusions and
//   versions, and drift from them silently on an upgrade.
// routes.spec.ts imports this path and checks the shape and the paths relied on here (and the
// metadata keys below), so a NestJS upgrade that moves or changes them fails a test.
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';

import type { ControllerTarget, HandlerTarget } from './requirement.js';

/**
 * The metadata keys of Nest's route decorators and `RouterModule` that discovery reads (the
 * values of `@nestjs/common`'s internal constants of the same names).
 */
export const NEST_ROUTE_METADATA = {
  PATH_METADATA: 'path',
  METHOD_METADATA: 'method',
  MODULE_PATH: '__module_path__',
  VERSION_METADATA: '__version__',
} as const;
const { PATH_METADATA, METHOD_METADATA, MODULE_PATH, VERSION_METADATA } = NEST_ROUTE_METADATA;

/** One HTTP route found in the module graph. */
export interface DiscoveredRoute {
  readonly method: string;
  readonly path: string;
  readonly controller: ControllerTarget;
  readonly handler: HandlerTarget;
  readonly handlerName: string;
}

/** Anything that can `get()` Nest's core providers: an app or an application context. */
export interface ProviderSource {
  get<T>(token: unknown, options?: { strict?: boolean }): T;
}

/** What {@link discoverRoutes} may take from outside the app (the CLI has no `main.ts`). */
export interface DiscoveryOverrides {
  readonly prefix?: string | undefined;
  readonly versioning?: VersioningOptions | undefined;
}

/**
 * Lists every route of every controller, with every full path Nest will register: global
 * prefix (and its exclusions), URI version, `RouterModule` module path, controller path and
 * method path. A route with several URI versions is listed once per version.
 */
export function discoverRoutes(
  app: ProviderSource,
  overrides: DiscoveryOverrides = {},
): DiscoveredRoute[] {
  const container = app.get<ModulesContainer>(ModulesContainer, { strict: false });
  const discovery = new DiscoveryService(container);
  const scanner = new MetadataScanner();
  const config = applicationConfig(app);
  const prefix = overrides.prefix ?? config.getGlobalPrefix();
  const versioning = overrides.versioning ?? config.getVersioning();
  const paths = new RoutePathFactory(config);
  const routes: DiscoveredRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as ControllerTarget | undefined;
    if (!controller || !wrapper.instance) continue;
    const host = wrapper.host?.metatype as object | undefined;
    const modulePath = host
      ? ((Reflect.getMetadata(MODULE_PATH + container.applicationId, host) ??
          Reflect.getMetadata(MODULE_PATH, host)) as string | undefined)
      : undefined;
    const controllerPaths = asArray(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as
        | string
        | string[]
        | undefined;
      if (methodPaths === undefined) continue;
      const requestMethod =
        (Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) ??
        RequestMethod.GET;
      const method = RequestMethod[requestMethod] ?? 'GET';
      const controllerVersion = versioning
        ? (Reflect.getMetadata(VERSION_METADATA, controller) ?? versioning.defaultVersion)
        : undefined;
      const methodVersion = Reflect.getMetadata(VERSION_METADATA, handler);
      for (const controllerPath of controllerPaths) {
        for (const methodPath of asArray(methodPaths)) {
          const full = paths.create(
            {
              globalPrefix: prefix ? `/${prefix.replace(/^\/+|\/+$/g, '')}` : undefined,
              modulePath: modulePath ? addSlash(modulePath) : undefined,
              ctrlPath: addSlash(controllerPath),
              methodPath: addSlash(methodPath),
              controllerVersion,
              methodVersion,
              versioningOptions: versioning,
            },
            requestMethod,
          );
          for (const path of new Set(full)) {
            routes.push({
              method,
              path,
              controller,
              handler: handler as HandlerTarget,
              handlerName: name,
            });
          }
        }
      }
    }
  }
  return routes;
}

// An application context (the inventory CLI) has no ApplicationConfig: nothing is prefixed.
function applicationConfig(app: ProviderSource): ApplicationConfig {
  try {
    return app.get<ApplicationConfig>(ApplicationConfig, { strict: false });
  } catch {
    return new ApplicationConfig();
  }
}

// As Nest's own addLeadingSlash: an empty path stays empty, `{/optional}` keeps its brace.
function addSlash(path: string): string {
  if (path === '' || path.startsWith('/') || path.startsWith('{/')) return path;
  return `/${path}`;
}

function asArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.length > 0 ? value.map(String) : [''];
  return value === undefined || value === null ? [''] : [String(value)];
}
