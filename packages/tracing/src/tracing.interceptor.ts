import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { rememberServerError } from './internal/server-span.js';
import { isTracingEnabled } from './tracing-control.js';

function isServerError(error: unknown): boolean {
  return !(error instanceof HttpException) || error.getStatus() >= 500;
}

/**
 * Records exceptions behind 5xx responses on the request's server span, with status ERROR.
 * Client errors (4xx) leave the status unset: OpenTelemetry's HTTP conventions reserve ERROR on
 * server spans for failures of the server. {@link TracingModule} registers it globally.
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
