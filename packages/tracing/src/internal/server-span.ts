import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { getPrincipal } from '@bulwark/core';
import { scrubSecrets } from '@bulwark/core/redaction';
import { HTTP_METHODS, redactLongPathSegments, resolveRouteTemplate } from '@bulwark/core/routes';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { serverErrorOf } from './server-error.js';
import { tracingState } from './tracing-state.js';

const INTERNAL_LISTENER = Symbol.for('bulwark.internal-listener');
/** Marks a patched `emit`, so that the patch is applied once per prototype. */
export const SERVER_SPANS = Symbol.for('bulwark.tracing.serverSpans');
/** The server span of a request, kept on its response. */
const SPAN = Symbol('bulwark.tracing.span');

/** OpenTelemetry's `user.id` attribute (semantic conventions, user registry). */
export const ATTR_USER_ID = 'user.id';

const KNOWN_METHODS = new Set(HTTP_METHODS);

type TracedResponse = ServerResponse & { [SPAN]: Span };

const headerGetter: TextMapGetter<IncomingMessage['headers']> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** Longest exception message or stack exported, as for a string field of a log line. */
const MAX_TEXT = 4096;

/**
 * The incoming context of a request: its W3C `traceparent`, through the global propagator.
 * Incoming `baggage` is the caller's, unauthenticated: at the edge it is dropped, so that it
 * neither reaches the handler nor is forwarded on outgoing calls, unless
 * `OTEL_PROPAGATE_INCOMING_BAGGAGE=true`.
 */
function incomingContext(request: IncomingMessage) {
  const extracted = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  if (tracingState().propagateIncomingBaggage || !propagation.getBaggage(extracted)) {
    return extracted;
  }
  return propagation.deleteBaggage(extracted);
}

/**
 * Starts the SERVER span of one request: continues the incoming W3C `traceparent`, and makes
 * the span the active context.
 */
function startServerSpan(
  tracer: Tracer,
  request: IncomingMessage,
  response: ServerResponse,
  scheme: string,
) {
  const parent = incomingContext(request);
  const method = request.method ?? 'GET';
  const known = KNOWN_METHODS.has(method);
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const span = tracer.startSpan(
    known ? method : 'HTTP',
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: known ? method : '_OTHER',
        ...(known ? {} : { [ATTR_HTTP_REQUEST_METHOD_ORIGINAL]: method }),
        // The path only: query strings carry tokens and personal data too often to export. And
        // segments longer than 32 characters hidden, as the logs do: password-reset and magic
        // links carry their token in the path.
        [ATTR_URL_PATH]: redactLongPathSegments(query === -1 ? url : url.slice(0, query)),
        [ATTR_URL_SCHEME]: scheme,
        [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
        [ATTR_NETWORK_PEER_ADDRESS]: request.socket.remoteAddress,
        [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'],
      },
    },
    parent,
  );
  (response as TracedResponse)[SPAN] = span;
  response.on('close', endServerSpan);
  // Attached to the connection's execution context rather than run as a callback: the body's
  // `data` and `end` events of this request arrive there later, and the handler that parses
  // the body must still see its span. The next request on the connection attaches its own.
  context.attach(trace.setSpan(parent, span));
}

/**
 * Ends the span when the response closes: status code, route template and name, the principal
 * when configured, and the exception behind a 5xx. Reads the raw request only, so it works on
 * both adapters and for requests a guard refused.
 */
function endServerSpan(this: TracedResponse): void {
  const span = this[SPAN];
  const request = this.req;
  const template = resolveRouteTemplate(request);
  if (template) {
    span.setAttribute(ATTR_HTTP_ROUTE, template);
    if (KNOWN_METHODS.has(request.method ?? '')) span.updateName(`${request.method} ${template}`);
  }
  if (tracingState().recordPrincipal) {
    const principal = getPrincipal(request);
    if (principal) span.setAttribute(ATTR_USER_ID, principal.id);
  }
  if (this.writableFinished) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, this.statusCode);
    const error = serverErrorOf(request);
    if (error !== undefined) {
      recordServerError(span, error);
    } else if (this.statusCode >= 500) {
      // Server spans: only 5xx are errors; a 4xx is the client's.
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute(ATTR_ERROR_TYPE, String(this.statusCode));
    }
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' });
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
  }
  span.end();
}

function bounded(text: string): string {
  const scrubbed = scrubSecrets(text);
  return scrubbed.length > MAX_TEXT ? `${scrubbed.slice(0, MAX_TEXT)}…[truncated]` : scrubbed;
}

/** The class of a thrown value: the error's constructor or name, else its JavaScript type. */
function exceptionType(error: unknown): string {
  if (!(error instanceof Error)) return error === null ? 'null' : typeof error;
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === 'string' &&
    constructorName !== '' &&
    constructorName !== 'Error'
    ? constructorName
    : error.name;
}

/** The text of a thrown value; never throws, whatever was thrown (a null-prototype object). */
function messageOf(error: unknown): string {
  if (error instanceof Error) return String(error.message);
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/**
 * Records the exception behind a 5xx as the log does: its type, and its message through the
 * logs' scrubber (registered secrets and token shapes hidden); the stack, scrubbed too, only
 * with `OTEL_BULWARK_RECORD_STACKS=true`. Span.recordException would export the raw message
 * and stack, around the log redaction.
 */
function recordServerError(span: Span, error: unknown): void {
  const type = exceptionType(error);
  const message = bounded(messageOf(error));
  const attributes: Record<string, string> = {
    [ATTR_EXCEPTION_TYPE]: type,
    [ATTR_EXCEPTION_MESSAGE]: message,
  };
  if (tracingState().recordStacks && error instanceof Error && typeof error.stack === 'string') {
    attributes[ATTR_EXCEPTION_STACKTRACE] = bounded(error.stack);
  }
  span.addEvent('exception', attributes);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

type Emit = (this: Record<symbol, unknown>, event: string | symbol, ...args: unknown[]) => boolean;

function patchEmit(prototype: { emit: Emit } & Record<symbol, unknown>, scheme: string): void {
  if (prototype[SERVER_SPANS]) return;
  const original = prototype.emit;
  const tracer = trace.getTracer('@bulwark/tracing');
  prototype.emit = function emit(this, event, request, response) {
    // Bulwark's own listeners (the metrics exposition) are not traced.
    if (event === 'request' && this[INTERNAL_LISTENER] !== true) {
      startServerSpan(tracer, request as IncomingMessage, response as ServerResponse, scheme);
    }
    // Every argument, as given: other events (`upgrade`, `connect`) carry more than two.
    // biome-ignore lint/complexity/noArguments: a rest parameter would allocate on every event
    return Reflect.apply(original, this, arguments);
  } satisfies Emit;
  prototype[SERVER_SPANS] = true;
}

/**
 * Gives every request of every HTTP and HTTPS server in the process a SERVER span. One span
 * per request, a handful of attributes, no wrapper on the request's or response's listeners:
 * OpenTelemetry's HTTP instrumentation does the same with far more work per request (it is
 * still used, for outgoing requests).
 */
export function instrumentServers(): void {
  patchEmit(http.Server.prototype as never, 'http');
  patchEmit(https.Server.prototype as never, 'https');
}
