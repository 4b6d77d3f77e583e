import { randomUUID } from 'node:crypto';
import { getRequestId, rawRequest, rawResponse, setRequestId } from '@bulwark/core';
import type { INestApplication } from '@nestjs/common';
import { appendRequestHook } from './internal/request-hooks.js';

/** The header a request id is read from and sent back in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Ids a client may choose: 1 to 128 characters of letters, digits and `-_.:`. Anything else
 * (spaces, quotes, control characters, several ids joined by a proxy) could forge or break
 * a log line, so such an id is replaced.
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
 * core's `setRequestId` and sets the response header. Returns the id. Idempotent: a request
 * that already has an id keeps it.
 *
 * @example
 * ```ts
 * const id = assignRequestId(request, reply);
 * ```
 */
export function assignRequestId(request: unknown, response: unknown): string {
  let id = getRequestId(request);
  if (id === undefined) {
    const incoming = rawRequest(request).headers[REQUEST_ID_HEADER];
    id = isSaneRequestId(incoming) ? incoming : randomUUID();
    setRequestId(request, id);
  }
  const raw = rawResponse(response);
  if (!raw.headersSent) raw.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * Assigns a request id first thing on every request, 404s and rejected bodies included, on
 * Express and Fastify. Call it before `app.init()`/`app.listen()`, or import `ErrorsModule`,
 * which does it for you. Safe to call twice.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, new FastifyAdapter());
 * useRequestIds(app);
 * ```
 */
export function useRequestIds(app: INestApplication): void {
  installRequestIds(app.getHttpAdapter());
}

/** {@link useRequestIds} on an HTTP adapter, for modules that only hold the adapter. */
export function installRequestIds(adapter: unknown): void {
  appendRequestHook(adapter, 'request-id', (request, response, done) => {
    assignRequestId(request, response);
    done();
  });
}
