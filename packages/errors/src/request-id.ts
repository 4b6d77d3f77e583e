import { addRequestStep, assignRequestId } from '@bulwark/core/request';
import type { INestApplication } from '@nestjs/common';
import { ErrorsError } from './errors.error.js';

/**
 * Assigns a request id first thing on every request, 404s and rejected bodies included, on
 * Express and Fastify: the `request-id` stage of `@bulwark/core`'s request steps, which runs
 * before every other stage whatever order the modules were installed in. Call it before `app.init()`/`app.listen()`, or import `ErrorsModule`,
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
  addRequestStep(adapter, REQUEST_ID_STEP, unsupportedAdapter);
}

const REQUEST_ID_STEP = {
  name: 'request-id',
  stage: 'request-id',
  onRequest: (request: unknown, response: unknown): undefined => {
    assignRequestId(request, response);
    return undefined;
  },
} as const;

function unsupportedAdapter(): ErrorsError {
  return new ErrorsError(
    'ERRORS_UNSUPPORTED_ADAPTER',
    'the HTTP adapter has no request hook; use the Express or Fastify adapter',
  );
}
