import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  getPrincipal,
  getRequestId,
  rawRequest,
  rawResponse,
  resolveRouteTemplate,
  setRequestId,
} from '@bulwark/core';
import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { appendRequestHook } from './internal/request-hooks.js';

/** The `route` of requests no route matched: one value, so 404 scans cannot flood the labels. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** Same rule as `@bulwark/errors`: an incoming id is kept only when it is plain and short. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
  appendRequestHook(adapter, 'access-log', (request, response, done) => {
    const started = clock();
    const raw = rawRequest(request);
    const res = rawResponse(response);
    if (getRequestId(request) === undefined) {
      const incoming = raw.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
      setRequestId(request, id);
      if (!res.headersSent) res.setHeader('x-request-id', id);
    }
    res.once('close', () => {
      const fields = {
        event: { kind: 'http.access', category: 'access' },
        requestId: getRequestId(request),
        method: raw.method,
        route: routeOf(request),
        status: res.statusCode,
        durationMs: Math.round((clock() - started) * 1000) / 1000,
        principalId: getPrincipal(request)?.id,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      logger.info(fields, 'request completed');
    });
    done();
  });
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
