import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  type Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import { classTransformer } from './internal/class-packages.js';

/** The metadata key {@link Serialize} sets. */
export const SERIALIZE_METADATA = 'bulwark:authz:serialize';

/**
 * Answers the route with the view class's `@Expose()`d fields only, so a new column on an
 * entity never leaks (OWASP API3, excessive data exposure). Arrays are mapped item by item;
 * nested views need class-transformer's `@Type(() => View)`.
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
  return SetMetadata(SERIALIZE_METADATA, view);
}

/**
 * The interceptor behind {@link Serialize}; `AuthzModule` installs it globally unless
 * `serialization: false` or no route of the app uses `@Serialize()`.
 */
@Injectable()
export class SerializeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const view = this.reflector.getAllAndOverride<Type<unknown> | undefined>(SERIALIZE_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!view) return next.handle();
    return next.handle().pipe(map((body) => serializeWith(view, body)));
  }
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
  if (body === null || body === undefined || typeof body !== 'object') return body;
  const transformer = classTransformer();
  const project = (item: unknown) =>
    transformer.instanceToPlain(
      transformer.plainToInstance(view, transformer.instanceToPlain(item), {
        excludeExtraneousValues: true,
      }),
    );
  return Array.isArray(body) ? body.map(project) : project(body);
}
