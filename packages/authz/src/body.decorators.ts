import { arrayOf } from '@bulwark/errors/validation';
import { Body } from '@nestjs/common';
import { AuthzError } from './authz.error.js';
import { type DtoClass, setParameterType, UNCHECKED_BODY_METADATA } from './internal/body-types.js';

/** A decorator usable on a controller class or on a route handler. */
export type UncheckedBodyDecorator = ClassDecorator & MethodDecorator;

/**
 * `@Body()` with the type `@bulwark/errors`' `StrictValidationPipe` validates it against, for bodies whose
 * TypeScript type leaves no class at run time. Nest's metadata gives only `Array` for
 * `CreateNote[]`, so `@BodyOf([CreateNote])` names the element class: the body must be an array,
 * and each element is validated with the same whitelist as a single DTO (unknown and protected
 * fields refused, errors named `[0].ownerId`). `@BodyOf(CreateNote)` declares a single DTO where
 * the parameter's own type is an interface or a union.
 *
 * Without it, a route whose body type is `Array`, `Object` (an interface, `Record<…>`, `any`,
 * `unknown`) or missing stops start-up with `AUTHZ_UNVALIDATED_BODY`, unless it opts out with
 * {@link UncheckedBody}.
 *
 * @param type - the DTO class, or a one-element array `[Dto]` for an array of them.
 * @param property - like `@Body('items')`: validate that property of the body only.
 *
 * @example
 * ```ts
 * @RequireScopes('notes:write')
 * @Post('batch')
 * createMany(@BodyOf([CreateNote]) notes: CreateNote[]) { ... }
 * ```
 */
export function BodyOf(
  type: DtoClass | readonly [DtoClass],
  property?: string,
): ParameterDecorator {
  const element = Array.isArray(type) ? type[0] : type;
  if (
    typeof element !== 'function' ||
    (Array.isArray(type) && type.length !== 1) ||
    element === Object ||
    element === Array
  ) {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      '@BodyOf() takes a DTO class or a one-element array of a DTO class, such as @BodyOf([CreateNote])',
    );
  }
  if (property !== undefined && (typeof property !== 'string' || property === '')) {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      '@BodyOf() property must be a non-empty string',
    );
  }
  const body = property === undefined ? Body() : Body(property);
  const declared = Array.isArray(type) ? arrayOf(element as DtoClass) : element;
  return (target, key, index) => {
    body(target, key, index);
    // Nest reads a parameter's type from `design:paramtypes` when it builds the route, and hands
    // it to the pipes as `metatype`; the stand-in type carries the element class there.
    setParameterType(target, key, index, declared);
  };
}

/**
 * Opts a route (or every route of a controller) out of the start-up check that refuses body
 * types the strict pipe cannot validate (`Array`, `Object`, interfaces, `any`). Such a body is
 * then passed on without a whitelist; `__proto__` keys and protected fields are still refused at
 * any depth. The reason is printed in the route inventory's `body` column, so that a review
 * sees every unchecked body.
 *
 * @param reason - why the body cannot have a DTO, such as `'JSON Merge Patch document'`.
 *
 * @example
 * ```ts
 * @UncheckedBody('opaque settings document, validated by the JSON schema in SettingsService')
 * @Put('settings')
 * save(@Body() settings: Record<string, unknown>) { ... }
 * ```
 */
export function UncheckedBody(reason: string): UncheckedBodyDecorator {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      '@UncheckedBody() needs a reason, which the route inventory prints',
    );
  }
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    Reflect.defineMetadata(
      UNCHECKED_BODY_METADATA,
      reason.trim(),
      descriptor ? (descriptor.value as object) : target,
    );
    return descriptor;
  }) as UncheckedBodyDecorator;
}
