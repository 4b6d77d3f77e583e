import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { isServerError } from './internal/exception-observer.js';
import { rememberServerError } from './internal/server-error.js';
import { isTracingEnabled } from './tracing-control.js';

/**
 * Records exceptions behind 5xx responses on the request's server span, with status ERROR.
 * {@link TracingModule} already does this without an interceptor, by observing Nest's
 * exceptions handler; register this interceptor only if the module logged that it could not
 * (a NestJS version that moved that handler). It sees exceptions from interceptors, pipes and
 * handlers, not from guards.
 *
 * @example
 * ```ts
 * app.useGlobalInterceptors(new TracingInterceptor());
 * ```
 */
@Injectable()
export class TracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!isTracingEnabled() || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<unknown>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (isServerError(error)) rememberServerError(request, error);
        return throwError(() => error);
      }),
    );
  }
}
