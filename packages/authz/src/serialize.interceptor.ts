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
import { projectionOf } from './internal/view-serializer.js';

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
  /** Per controller class, per handler: the projection of its view, or `null` for none. */
  private readonly routes = new WeakMap<object, WeakMap<object, Projector | null>>();

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const projector = this.projectorOf(context.getClass(), context.getHandler());
    if (projector === null) return next.handle();
    return next.handle().pipe(map(projector));
  }

  /** Reads the route's metadata once; later requests reuse what it decided. */
  private projectorOf(controller: object, handler: object): Projector | null {
    let byHandler = this.routes.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      this.routes.set(controller, byHandler);
    }
    let projector = byHandler.get(handler);
    if (projector === undefined) {
      const view = this.reflector.getAllAndOverride<Type<unknown> | undefined>(
        SERIALIZE_METADATA,
        // biome-ignore lint/complexity/noBannedTypes: Reflector takes Function targets.
        [handler as Function, controller as Function],
      );
      projector = view ? projectorFor(view) : null;
      byHandler.set(handler, projector);
    }
    return projector;
  }
}

type Projector = (body: unknown) => unknown;

function projectorFor(view: Type<unknown>): Projector {
  const project = projectionOf(view);
  return (body) => {
    if (body === null || body === undefined || typeof body !== 'object') return body;
    return Array.isArray(body) ? body.map(project) : project(body);
  };
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
  const project = projectionOf(view);
  return Array.isArray(body) ? body.map(project) : project(body);
}
