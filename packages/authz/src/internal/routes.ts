import { RequestMethod } from '@nestjs/common';
import {
  ApplicationConfig,
  DiscoveryService,
  MetadataScanner,
  ModulesContainer,
} from '@nestjs/core';

import type { ControllerTarget, HandlerTarget } from './requirement.js';

const PATH_METADATA = 'path';
const METHOD_METADATA = 'method';
const MODULE_PATH = '__module_path__';

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

/**
 * Lists every route of every controller, with the full path Nest will register: global
 * prefix, `RouterModule` module path, controller path and method path. Versioning is not
 * applied.
 */
export function discoverRoutes(app: ProviderSource, prefixOverride?: string): DiscoveredRoute[] {
  const container = app.get<ModulesContainer>(ModulesContainer, { strict: false });
  const discovery = new DiscoveryService(container);
  const scanner = new MetadataScanner();
  const prefix = prefixOverride ?? globalPrefix(app);
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
      const method =
        RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? 'GET';
      for (const controllerPath of controllerPaths) {
        for (const methodPath of asArray(methodPaths)) {
          routes.push({
            method,
            path: joinPath(prefix, modulePath, controllerPath, methodPath),
            controller,
            handler: handler as HandlerTarget,
            handlerName: name,
          });
        }
      }
    }
  }
  return routes;
}

function globalPrefix(app: ProviderSource): string {
  try {
    return app.get<ApplicationConfig>(ApplicationConfig, { strict: false }).getGlobalPrefix();
  } catch {
    return '';
  }
}

function asArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.length > 0 ? value.map(String) : [''];
  return value === undefined || value === null ? [''] : [String(value)];
}

function joinPath(...parts: (string | undefined)[]): string {
  const joined = parts
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
  return `/${joined}`;
}
