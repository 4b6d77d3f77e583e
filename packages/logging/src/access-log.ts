import { performance } from 'node:perf_hooks';
import {
  appendRequestHook,
  assignRequestId,
  getPrincipal,
  getRequestId,
  rawRequest,
  rawResponse,
  resolveRouteTemplate,
  UNMATCHED_ROUTE,
} from '@bulwark/core';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { LoggingError } from './logging.error.js';

/** The `event` of every access line; frozen, so one object serves every line. */
const ACCESS_EVENT = Object.freeze({ kind: 'http.access', category: 'access' });

interface AccessFields {
  event: typeof ACCESS_EVENT;
  requestId: string | undefined;
  method: string | undefined;
  route: string;
  status: number;
  durationMs: number;
  principalId: string | undefined;
  aborted?: true;
}

function routeOf(request: unknown): string {
  if ((request as { is404?: boolean }).is404 === true) return UNMATCHED_ROUTE;
  const template = resolveRouteTemplate(request);
  return template === undefined || template === '*' ? UNMATCHED_ROUTE : template;
}

/**
 * Writes one access line per request once its response is done: `requestId`, `method`,
 * `route` (the template, never the raw path), `status`, `durationMs` and `principalId`, the
 * caller's `iss|sub` (never the token). A request the client abandoned is logged with
 * `aborted: true`. Requests without an id yet get one (as `@bulwark/errors` would assign it).
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
  appendRequestHook(
    adapter,
    'access-log',
    (request, response, done) => {
      const started = clock();
      const raw = rawRequest(request);
      const res = rawResponse(response);
      if (getRequestId(request) === undefined) assignRequestId(request, res);
      res.once('close', () => {
        const fields: AccessFields = {
          event: ACCESS_EVENT,
          requestId: getRequestId(raw),
          method: raw.method,
          route: routeOf(request),
          status: res.statusCode,
          durationMs: Math.round((clock() - started) * 1000) / 1000,
          principalId: getPrincipal(raw)?.id,
        };
        if (!res.writableFinished) fields.aborted = true;
        logger.info(fields, 'request completed');
      });
      done();
    },
    unsupportedAdapter,
  );
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
