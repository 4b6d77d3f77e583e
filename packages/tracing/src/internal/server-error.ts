import { rawRequest } from '@bulwark/core/request';

// Kept apart from server-span.ts, which imports OpenTelemetry: the module's own code records
// errors whether or not tracing runs, and without the preload it must not load OpenTelemetry.
const SERVER_ERROR = Symbol.for('bulwark.tracing.serverError');

/** Remembers the error behind a 5xx, so the span records it when the response ends. */
export function rememberServerError(request: unknown, error: unknown): void {
  (rawRequest(request) as unknown as Record<symbol, unknown>)[SERVER_ERROR] = error;
}

/** The error remembered for a raw request, if any. */
export function serverErrorOf(request: object): unknown {
  return (request as Record<symbol, unknown>)[SERVER_ERROR];
}
