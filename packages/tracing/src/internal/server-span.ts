import { type IncomingMessage, ServerResponse } from 'node:http';
import { getPrincipal, rawRequest, resolveRouteTemplate } from '@bulwark/core';
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { tracingState } from './tracing-state.js';

const SERVER_ERROR = Symbol.for('bulwark.tracing.serverError');
const INTERNAL_LISTENER = Symbol.for('bulwark.internal-listener');

/** OpenTelemetry's `user.id` attribute (semantic conventions, user registry). */
export const ATTR_USER_ID = 'user.id';

/** Remembers the error behind a 5xx, so the span records it when the response ends. */
export function rememberServerError(request: unknown, error: unknown): void {
  (rawRequest(request) as unknown as Record<symbol, unknown>)[SERVER_ERROR] = error;
}

/** Bulwark's own listeners (the metrics exposition) are not traced. */
export function isInternalListener(request: IncomingMessage): boolean {
  const server = (request.socket as unknown as { server?: Record<symbol, unknown> }).server;
  return server?.[INTERNAL_LISTENER] === true;
}

/**
 * Runs when the HTTP instrumentation ends a span, after it set the status from the response
 * code. Everything is read from the raw request, so it works on both adapters and for requests
 * a guard refused.
 */
export function enrichServerSpan(span: Span, request: unknown, response: unknown): void {
  if (!(response instanceof ServerResponse)) return;
  const incoming = request as IncomingMessage;
  const template = resolveRouteTemplate(incoming);
  if (template) {
    span.setAttribute(ATTR_HTTP_ROUTE, template);
    span.updateName(`${incoming.method ?? 'GET'} ${template}`);
  }
  if (tracingState().recordPrincipal) {
    const principal = getPrincipal(incoming);
    if (principal) span.setAttribute(ATTR_USER_ID, principal.id);
  }
  const error = (incoming as unknown as Record<symbol, unknown>)[SERVER_ERROR];
  if (error !== undefined) {
    const exception = error instanceof Error ? error : new Error(String(error));
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
  }
}
