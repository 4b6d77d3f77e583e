import { type ArgumentsHost, HttpException } from '@nestjs/common';
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
 * pipes, interceptors or handlers) and remembers 5xx causes for the span. A global interceptor
 * would do the same through public API, but it puts Nest's interceptor chain on every request:
 * measured at about 20 µs per request, more than the whole span. Observing the handler costs
 * nothing on success, and it wraps no route handler, so route metadata stays intact
 * (open-telemetry/opentelemetry-js-contrib#633). Returns false when Nest's handler has moved.
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
