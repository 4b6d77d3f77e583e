import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { getPrincipal, getRequestId } from '@bulwark/core';
import { addRequestStep, assignRequestId, rawResponse } from '@bulwark/core/request';
import { recordRouteTemplates, resolveRouteTemplate, UNMATCHED_ROUTE } from '@bulwark/core/routes';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { accessLineWriter } from './internal/access-line.js';
import { LoggingError } from './logging.error.js';

/** When the request arrived, by the access log's clock, kept on its response. */
const STARTED = Symbol('bulwark.accessLog.started');
/** Set on the response of a request Fastify's router did not match. */
const NOT_FOUND = Symbol('bulwark.accessLog.notFound');

interface TimedResponse extends ServerResponse {
  [STARTED]?: number;
  [NOT_FOUND]?: true;
}

function routeOf(response: TimedResponse): string {
  if (response[NOT_FOUND] === true) return UNMATCHED_ROUTE;
  const template = resolveRouteTemplate(response.req);
  return template === undefined || template === '*' ? UNMATCHED_ROUTE : template;
}

/**
 * Writes one access line per request once its response is done: `requestId`, `method`,
 * `route` (the template, never the raw path), `status`, `durationMs` and `principalId`, the
 * caller's `iss|sub` (never the token). A request the client abandoned is logged with
 * `aborted: true`. Requests without an id yet get one (as `@bulwark/errors` would assign it).
 *
 * The access log is the `observe` stage of `@bulwark/core`'s request steps: it starts after the
 * request id and the security headers and before any stage that can refuse a request, so
 * requests refused there (a missing client certificate) are logged too. One `close` listener
 * serves every response. With a logger from `createLogger`, the line is written in its format
 * directly, without the generic redaction walk (see the README).
 *
 * @example
 * ```ts
 * installAccessLog(app.getHttpAdapter(), createLogger());
 * ```
 */
export function installAccessLog(
  adapter: unknown,
  logger: Logger,
  clock: () => number = () => performance.now(),
): void {
  const write = accessLineWriter(logger);
  const onRequest = (request: unknown, response: unknown): undefined => {
    const res = rawResponse(response) as TimedResponse;
    res[STARTED] = clock();
    if ((request as { is404?: boolean }).is404 === true) res[NOT_FOUND] = true;
    if (getRequestId(request) === undefined) assignRequestId(request, res);
    return undefined;
  };
  const onClose = (response: ServerResponse): void => {
    const res = response as TimedResponse;
    const started = res[STARTED];
    if (started === undefined) return;
    const raw = res.req;
    write({
      requestId: getRequestId(raw),
      method: raw.method,
      route: routeOf(res),
      status: res.statusCode,
      durationMs: Math.round((clock() - started) * 1000) / 1000,
      principalId: getPrincipal(raw)?.id,
      aborted: !res.writableFinished,
    });
  };
  addRequestStep(
    adapter,
    { name: 'access-log', stage: 'observe', onRequest, onClose },
    unsupportedAdapter,
  );
  // On Fastify the route is known before any guard runs; stored then, read when the line is written.
  const nest = adapter as { getType?: unknown };
  if (typeof nest.getType === 'function') {
    recordRouteTemplates(adapter as Parameters<typeof recordRouteTemplates>[0]);
  }
}

function unsupportedAdapter(): LoggingError {
  return new LoggingError(
    'LOGGING_UNSUPPORTED_ADAPTER',
    'the HTTP adapter has no request hook; use the Express or Fastify adapter',
  );
}

/**
 * {@link installAccessLog} on an app, before it listens.
 *
 * @example
 * ```ts
 * useAccessLog(app, createLogger());
 * ```
 */
export function useAccessLog(app: INestApplication, logger: Logger, clock?: () => number): void {
  installAccessLog(app.getHttpAdapter(), logger, clock);
}
