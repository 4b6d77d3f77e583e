import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Returns Node's `IncomingMessage` behind an Express or Fastify request.
 *
 * Bulwark keeps per-request state on the raw message, so that middleware, Fastify hooks,
 * guards and filters all see the same values whatever the adapter.
 */
export function rawRequest(request: unknown): IncomingMessage {
  const candidate = request as { raw?: IncomingMessage } & IncomingMessage;
  return candidate.raw && typeof candidate.raw === 'object' ? candidate.raw : candidate;
}

/** Returns Node's `ServerResponse` behind an Express response or a Fastify reply. */
export function rawResponse(response: unknown): ServerResponse {
  const candidate = response as { raw?: ServerResponse } & ServerResponse;
  return candidate.raw && typeof candidate.raw === 'object' ? candidate.raw : candidate;
}

/**
 * Sets a response header on either adapter. Headers set this way survive a thrown
 * exception, so a guard can set `WWW-Authenticate` and then throw.
 */
export function setResponseHeader(response: unknown, name: string, value: string): void {
  const reply = response as { header?: (n: string, v: string) => unknown; raw?: unknown };
  if (reply.raw && typeof reply.header === 'function') {
    reply.header(name, value);
    return;
  }
  const raw = rawResponse(response);
  if (!raw.headersSent) raw.setHeader(name, value);
}

const REQUEST_ID = Symbol.for('bulwark.requestId');
const ROUTE = Symbol.for('bulwark.route');

/** Stores the request id chosen for this request. */
export function setRequestId(request: unknown, id: string): void {
  (rawRequest(request) as unknown as Record<symbol, unknown>)[REQUEST_ID] = id;
}

/** The request id chosen for this request, if one was assigned. */
export function getRequestId(request: unknown): string | undefined {
  return (rawRequest(request) as unknown as Record<symbol, string | undefined>)[REQUEST_ID];
}

/**
 * Stores the matched route template (for example `/v1/notes/:id`), so that logs, metrics and
 * spans label requests by template, never by raw path.
 */
export function setRouteTemplate(request: unknown, template: string): void {
  (rawRequest(request) as unknown as Record<symbol, unknown>)[ROUTE] = template;
}

/** The matched route template, or `undefined` when no route matched. */
export function getRouteTemplate(request: unknown): string | undefined {
  return (rawRequest(request) as unknown as Record<symbol, string | undefined>)[ROUTE];
}

/**
 * The route of a request that matched no route, wherever a route is reported: the `route` of
 * `@bulwark/logging`'s access line and the `route` label of `@bulwark/metrics`. One shared
 * value, so scanners probing random paths cannot flood logs or label cardinality. The value is
 * the metrics label that dashboards and alerts already filter on
 * (`http_request_duration_seconds_count{route="UNMATCHED"}`), and a plain word that needs no
 * escaping in PromQL or log queries.
 */
export const UNMATCHED_ROUTE = 'UNMATCHED';

/**
 * Finds the route template of a request on either adapter: a template stored with
 * {@link setRouteTemplate}, then Fastify's `routeOptions.url`, then Express's
 * `baseUrl + route.path`. Returns `undefined` for unmatched requests.
 */
export function resolveRouteTemplate(request: unknown): string | undefined {
  const stored = getRouteTemplate(request);
  if (stored) return stored;
  const fastify = request as { routeOptions?: { url?: string } };
  if (fastify.routeOptions?.url) return fastify.routeOptions.url;
  const express = request as { baseUrl?: string; route?: { path?: unknown } };
  if (typeof express.route?.path === 'string')
    return `${express.baseUrl ?? ''}${express.route.path}`;
  return undefined;
}

/** The header a request id is read from and sent back in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Ids a client may choose: 1 to 128 characters of letters, digits and `-_.:`. Anything else
 * (spaces, quotes, control characters, several ids joined by a proxy) could forge or break a
 * log line, so such an id is replaced.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Whether an incoming `x-request-id` is kept as is.
 *
 * @example
 * ```ts
 * isSaneRequestId('3f1c2e9a-web-1'); // true
 * isSaneRequestId('a\r\nlevel=admin'); // false
 * ```
 */
export function isSaneRequestId(value: unknown): value is string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value);
}

/**
 * Gives a request its id (the sane incoming `x-request-id`, or a new UUID), stores it with
 * {@link setRequestId} and sets the response header. Returns the id. Idempotent: a request that
 * already has an id keeps it.
 *
 * @example
 * ```ts
 * const id = assignRequestId(request, reply);
 * ```
 */
export function assignRequestId(request: unknown, response: unknown): string {
  const incomingMessage = rawRequest(request);
  const state = incomingMessage as unknown as Record<symbol, string | undefined>;
  let id = state[REQUEST_ID];
  if (id === undefined) {
    const incoming = incomingMessage.headers[REQUEST_ID_HEADER];
    id = isSaneRequestId(incoming) ? incoming : randomUUID();
    state[REQUEST_ID] = id;
  }
  const raw = rawResponse(response);
  if (!raw.headersSent) raw.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * The request methods of RFC 9110 section 9, plus PATCH (RFC 5789). Telemetry labels any other
 * method `_OTHER`, as OpenTelemetry's HTTP conventions do, so that invented methods cannot add
 * label values.
 *
 * @example
 * ```ts
 * const method = HTTP_METHODS.includes(request.method) ? request.method : '_OTHER';
 * ```
 */
export const HTTP_METHODS: readonly string[] = Object.freeze([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);
