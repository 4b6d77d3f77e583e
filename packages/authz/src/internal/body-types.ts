// `@nestjs/common/internal` is NestJS's entry point for its sibling packages, not public API. No
// public API tells which parameters of a handler are `@Body()`: the route-arguments metadata and
// its `RouteParamtypes` keys are the only record. body-types.spec.ts checks both, so an upgrade
// that changes them fails a test.
import { RouteParamtypes } from '@nestjs/common/internal';
import type { ControllerTarget, HandlerTarget } from './requirement.js';

/** Nest's own metadata keys (`@nestjs/common` constants, not exported from its index). */
const ROUTE_ARGS_METADATA = '__routeArguments__';
const PARAMTYPES_METADATA = 'design:paramtypes';

/** Where `@UncheckedBody()` stores its reason, on a handler or a controller class. */
export const UNCHECKED_BODY_METADATA = 'bulwark:authz:unchecked-body';

const ELEMENT = Symbol('bulwark.authz.array-element');

/** A DTO class: anything `class-transformer` can instantiate. */
export type DtoClass = abstract new (...args: never) => object;

/** The stand-in parameter type `@BodyOf([Dto])` gives Nest, carrying the element class. */
export interface ArrayOfType {
  readonly [ELEMENT]: DtoClass;
  readonly name: string;
}

const arrayTypes = new WeakMap<DtoClass, ArrayOfType>();

/** The one stand-in type per element class, so that every route sees the same object. */
export function arrayOf(element: DtoClass): ArrayOfType {
  let type = arrayTypes.get(element);
  if (!type) {
    // A class, so that Nest treats it as a parameter type like any DTO.
    const created = { [`${element.name}[]`]: class {} }[`${element.name}[]`] as object;
    Object.defineProperty(created, ELEMENT, { value: element });
    type = created as ArrayOfType;
    arrayTypes.set(element, type);
  }
  return type;
}

/** The element class of a `@BodyOf([Dto])` parameter type, or `undefined`. */
export function elementOf(metatype: unknown): DtoClass | undefined {
  return typeof metatype === 'function' && ELEMENT in metatype
    ? (metatype as ArrayOfType)[ELEMENT]
    : undefined;
}

/** Replaces the declared type of one parameter with the type the pipe must validate. */
export function setParameterType(
  target: object,
  key: string | symbol | undefined,
  index: number,
  type: unknown,
): void {
  if (key === undefined) return;
  const declared = (Reflect.getMetadata(PARAMTYPES_METADATA, target, key) ?? []) as unknown[];
  const types = [...declared];
  types[index] = type;
  Reflect.defineMetadata(PARAMTYPES_METADATA, types, target, key);
}

/** How one `@Body()` parameter of a route is validated. */
export interface BodyParameter {
  readonly index: number;
  /** The `@Body('name')` property, if any. */
  readonly property: string | undefined;
  /** A description such as `CreateNote`, `CreateNote[]`, `string`, or `Object` (not validated). */
  readonly type: string;
  /** Whether the strict pipe can validate it: a DTO class, an array of one, or a primitive. */
  readonly validated: boolean;
}

const PRIMITIVE_NAMES = new Map<unknown, string>([
  [String, 'string'],
  [Number, 'number'],
  [Boolean, 'boolean'],
]);

/** The `@Body()` parameters of one route handler, with what their declared type allows. */
export function bodyParameters(controller: ControllerTarget, handlerName: string): BodyParameter[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<
    string,
    { index: number; data?: unknown }
  >;
  const types = (Reflect.getMetadata(PARAMTYPES_METADATA, controller.prototype, handlerName) ??
    []) as unknown[];
  const result: BodyParameter[] = [];
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== RouteParamtypes.BODY) continue;
    const metatype = types[arg.index];
    const property = typeof arg.data === 'string' ? arg.data : undefined;
    const element = elementOf(metatype);
    let type: string;
    let validated: boolean;
    if (element) {
      type = `${element.name}[]`;
      validated = true;
    } else if (PRIMITIVE_NAMES.has(metatype)) {
      type = PRIMITIVE_NAMES.get(metatype) as string;
      validated = true;
    } else if (typeof metatype !== 'function') {
      type = 'unknown type (no design:paramtypes metadata)';
      validated = false;
    } else if (metatype === Object || metatype === Array || metatype === Function) {
      type = metatype.name;
      validated = false;
    } else {
      type = metatype.name;
      validated = true;
    }
    result.push({ index: arg.index, property, type, validated });
  }
  return result.sort((a, b) => a.index - b.index);
}

/** The `@UncheckedBody()` reason of a route (its own, else its controller's). */
export function uncheckedBodyReason(
  controller: ControllerTarget,
  handler: HandlerTarget,
): string | undefined {
  return (Reflect.getMetadata(UNCHECKED_BODY_METADATA, handler) ??
    Reflect.getMetadata(UNCHECKED_BODY_METADATA, controller)) as string | undefined;
}

/** The inventory's `body` column: what the pipe validates a route's body against. */
export function describeBody(
  controller: ControllerTarget,
  handler: HandlerTarget,
  handlerName: string,
): string {
  const reason = uncheckedBodyReason(controller, handler);
  const parameters = bodyParameters(controller, handlerName);
  if (reason !== undefined && parameters.some((parameter) => !parameter.validated)) {
    return `unchecked: ${reason}`;
  }
  if (parameters.length === 0) return '-';
  return parameters
    .map(
      (parameter) =>
        (parameter.property ? `${parameter.property}: ` : '') +
        parameter.type +
        (parameter.validated ? '' : ' (not validated)'),
    )
    .join(', ');
}
