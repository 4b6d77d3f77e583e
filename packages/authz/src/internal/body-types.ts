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

/** A DTO class: anything `class-transformer` can instantiate. */
export type DtoClass = abstract new (...args: never) => object;

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
  /** Whether the validation pipe can validate it: a DTO class, an array of one, or a primitive. */
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
    let type: string;
    let validated: boolean;
    // `@BodyOf([CreateNote])`'s type is a class named `CreateNote[]` (`arrayOf` of
    // `@bulwark/errors/validation`): a DTO like any other here.
    if (PRIMITIVE_NAMES.has(metatype)) {
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
