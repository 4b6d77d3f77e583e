import { appendRequestHook, assignRequestId } from '@bulwark/core';
import type { INestApplication } from '@nestjs/common';
import { ErrorsError } from './errors.error.js';

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
  appendRequestHook(
    adapter,
    'request-id',
    (request, response, done) => {
      assignRequestId(request, response);
      done();
    },
    unsupportedAdapter,
  );
}

function unsupportedAdapter(): ErrorsError {
  return new ErrorsError(
    'ERRORS_UNSUPPORTED_ADAPTER',
    'the HTTP adapter has no request hook; use the Express or Fastify adapter',
  );
}
