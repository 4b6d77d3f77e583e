import { type ArgumentsHost, HttpException } from '@nestjs/common';
// A NestJS internal, not part of its public API; why, and how a move is caught, is said on
// observeNestExceptions() below.
import { ExceptionsHandler } from '@nestjs/core/exceptions/exceptions-handler.js';
import { rememberServerError } from './server-error.js';

const OBSERVED = Symbol.for('bulwark.tracing.exceptionsObserved');

type Next = (this: unknown, exception: unknown, host: ArgumentsHost) => unknown;

/** Whether an exception makes a 5xx: anything but an HttpException below 500. */
export function isServerError(error: unknown): boolean {
  return !(error instanceof HttpException) || error.getStatus() >= 500;
}

/**
 * Observes every exception Nest's router hands to its exceptions handler (thrown by guards,
 * pipes, interceptors or handlers) and remembers 5xx causes for the span. Observing the handler
 * costs nothing on success, and it wraps no route handler, so route metadata stays intact
 * (open-telemetry/opentelemetry-js-contrib#633). Returns false when Nest's handler has no
 * `next` any more; the module then logs how to fall back to `TracingInterceptor`.
 *
 * Why NestJS's public API cannot do this (NestJS 12):
 * - a global interceptor (`TracingInterceptor`) never sees what a guard throws, and it puts
 *   Nest's interceptor chain on every request: measured at about 20 µs per request, more than
 *   the whole span;
 * - a global exception filter would be the one filter that handles the exception, so it would
 *   replace the application's own (`@bulwark/errors`' problem+json filter, or any other);
 * - Nest publishes no `diagnostics_channel` or event for exceptions, and `ExceptionsHandler`
 *   is exported neither by `@nestjs/core` nor by its `internal` entry point.
 *
 * `exception-observer.spec.ts` imports the internal path, checks the shape used here
 * (a `BaseExceptionFilter` with `next(exception, host)`), and checks over HTTP on both adapters
 * that the router still hands a handler's and a guard's exceptions to it: a NestJS upgrade that
 * moves any of it fails that test.
 */
export function observeNestExceptions(): boolean {
  const prototype = ExceptionsHandler?.prototype as unknown as Record<PropertyKey, unknown>;
  const original = prototype?.next as Next | undefined;
  if (typeof original !== 'function') return false;
  if (prototype[OBSERVED]) return true;
  prototype.next = function observedNext(this: unknown, exception: unknown, host: ArgumentsHost) {
    if (host?.getType?.() === 'http' && isServerError(exception)) {
      rememberServerError(host.switchToHttp().getRequest(), exception);
    }
    return original.call(this, exception, host);
  } satisfies Next;
  prototype[OBSERVED] = true;
  return true;
}
