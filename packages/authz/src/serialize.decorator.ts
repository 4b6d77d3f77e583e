import type { Type } from '@nestjs/common';
import { projectBody, serializeClass, serializeMethod } from './internal/serialized-handler.js';

/**
 * Answers the route with the view class's `@Expose()`d fields only, so a new column on an
 * entity never leaks (OWASP API3, excessive data exposure). Arrays are mapped item by item;
 * nested views need class-transformer's `@Type(() => View)`. On a controller class it applies
 * to every route of the class without a `@Serialize` of its own.
 *
 * The projection is part of the handler: the handler's value (or its promise's, or each value
 * of its Observable) is projected as it returns, with no interceptor. Interceptors (global,
 * controller or route ones) therefore see the projected body, never the raw entity.
 *
 * @example
 * ```ts
 * class NoteView { @Expose() id!: string; @Expose() title!: string; }
 * @Serialize(NoteView)
 * @Get(':id')
 * get(@LoadedResource() note: Note) { return note; } // ownerId is not sent
 * ```
 */
export function Serialize(view: Type<unknown>): MethodDecorator & ClassDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor !== undefined) {
      serializeMethod(descriptor, view);
      return descriptor;
    }
    serializeClass(target as Type<unknown>, view);
    return undefined;
  }) as MethodDecorator & ClassDecorator;
}

/**
 * Projects a value (or each item of an array) onto a view class's `@Expose()`d fields.
 *
 * @example
 * ```ts
 * serializeWith(NoteView, { id: '1', title: 't', ownerId: 'x' }); // { id: '1', title: 't' }
 * ```
 */
export function serializeWith(view: Type<unknown>, body: unknown): unknown {
  return projectBody(view, body);
}
