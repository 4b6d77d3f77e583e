import type { Type } from '@nestjs/common';
import { isObservable, map } from 'rxjs';
import { projectionOf } from './view-serializer.js';

/** The metadata key `@Serialize` sets on a handler or a controller class. */
export const SERIALIZE_METADATA = 'bulwark:authz:serialize';

/** Nest's `PATH_METADATA`: set on every HTTP route handler by `@Get()`, `@Post()`, … */
const ROUTE_PATH_METADATA = 'path';

const SERIALIZED = Symbol('bulwark:authz:serialized');

/** What a serializing handler wraps, with which view, and whether the handler or its class named it. */
interface Serialized {
  readonly original: (...args: unknown[]) => unknown;
  readonly view: Type<unknown>;
  readonly level: 'method' | 'class';
}

type Handler = ((...args: unknown[]) => unknown) & { [SERIALIZED]?: Serialized };

/**
 * Controller instances (and, for request-scoped controllers, classes) of apps started with
 * `serialization: false`: their handlers answer unprojected.
 */
const unserialized = new WeakSet<object>();
let anyUnserialized = false;

/** Answers `controller`'s handlers unprojected (an app with `serialization: false`). */
export function leaveUnserialized(controller: object): void {
  unserialized.add(controller);
  anyUnserialized = true;
}

function isUnserialized(self: unknown): boolean {
  if (typeof self !== 'object' || self === null) return false;
  return unserialized.has(self) || unserialized.has(self.constructor);
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/** Projects a body, or each item of an array body, onto `view`; other values pass as they are. */
export function projectBody(view: Type<unknown>, body: unknown): unknown {
  if (body === null || body === undefined || typeof body !== 'object') return body;
  const project = projectionOf(view);
  return Array.isArray(body) ? body.map(project) : project(body);
}

/**
 * `original` with its result projected onto `view`: the value, the promise's value, or each value
 * an Observable emits. Everything Nest and other decorators recorded on `original` (route,
 * guards, requirements…) is copied, so the wrapper stands for it wherever Nest looks.
 */
function serializing(current: Handler, view: Type<unknown>, level: Serialized['level']): Handler {
  const original = current[SERIALIZED]?.original ?? current;
  const project = (body: unknown) => projectBody(view, body);
  const handler: Handler = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (anyUnserialized && isUnserialized(this)) return result;
    if (result instanceof Promise) return result.then(project);
    if (isObservable(result)) return result.pipe(map(project));
    if (isThenable(result)) return Promise.resolve(result).then(project);
    return project(result);
  };
  Object.defineProperty(handler, 'name', { value: original.name });
  for (const key of Reflect.getOwnMetadataKeys(current)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, current), handler);
  }
  handler[SERIALIZED] = { original, view, level };
  return handler;
}

/**
 * The HTTP route handlers `controller` answers with, by name, as Nest finds them: the nearest
 * method of each name on the prototype chain.
 */
function routeHandlers(controller: Type<unknown>): Map<string, PropertyDescriptor> {
  const routes = new Map<string, PropertyDescriptor>();
  const seen = new Set<string>();
  for (
    let proto = controller.prototype as object | null;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || seen.has(name)) continue;
      seen.add(name);
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (
        typeof descriptor?.value === 'function' &&
        Reflect.getMetadata(ROUTE_PATH_METADATA, descriptor.value) !== undefined
      ) {
        routes.set(name, descriptor);
      }
    }
  }
  return routes;
}

/** `@Serialize(view)` on a handler: the handler's own view, which a class-level one never replaces. */
export function serializeMethod(descriptor: PropertyDescriptor, view: Type<unknown>): void {
  Reflect.defineMetadata(SERIALIZE_METADATA, view, descriptor.value);
  descriptor.value = serializing(descriptor.value as Handler, view, 'method');
}

/** `@Serialize(view)` on a controller: every route handler without a view of its own. */
export function serializeClass(controller: Type<unknown>, view: Type<unknown>): void {
  Reflect.defineMetadata(SERIALIZE_METADATA, view, controller);
  for (const [name, descriptor] of routeHandlers(controller)) {
    const handler = descriptor.value as Handler;
    if (handler[SERIALIZED]?.level === 'method') continue;
    Object.defineProperty(controller.prototype, name, {
      ...descriptor,
      value: serializing(handler, view, 'class'),
    });
  }
}

/**
 * At start-up: the routes whose view comes from a class they were not declared with (a route
 * added by a subclass of a `@Serialize` controller) get their handler wrapped too, so every
 * route answers with the view `@Serialize` names for it, as Nest's metadata lookup finds it.
 */
export function serializeInheritedRoutes(controller: Type<unknown>): void {
  const classView = Reflect.getMetadata(SERIALIZE_METADATA, controller) as
    | Type<unknown>
    | undefined;
  if (classView === undefined) return;
  for (const [name, descriptor] of routeHandlers(controller)) {
    const handler = descriptor.value as Handler;
    const view =
      (Reflect.getMetadata(SERIALIZE_METADATA, handler) as Type<unknown> | undefined) ?? classView;
    if (handler[SERIALIZED]?.view === view) continue;
    Object.defineProperty(controller.prototype, name, {
      ...descriptor,
      value: serializing(handler, view, 'class'),
    });
  }
}
