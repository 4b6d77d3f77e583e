import type { INestApplication } from '@nestjs/common';
import { resolveBodyParserOptions, useSafeBodyParser } from './body-parser.js';
import type { ApplyErrorHandlingOptions } from './errors-options.interface.js';
import { resolveErrorsOptions } from './internal/validate-options.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { useRequestIds } from './request-id.js';
import { applicationValidationPipe } from './validation.pipe.js';

/**
 * Everything `@bulwark/errors` does, applied to an app before it initialises: request ids,
 * the hardened body parser, the global {@link ProblemDetailsFilter} and the global
 * {@link StrictValidationPipe} (with no protected fields unless `validation.protectedFields`
 * names them, and the body parser's `maxDepth`). Use either this or `ErrorsModule` (plus `useSafeBodyParser`), not both.
 *
 * @throws BulwarkConfigError for an invalid option.
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, new FastifyAdapter());
 * applyErrorHandling(app, { body: { bodyLimitBytes: 65536 } });
 * await app.listen(3000);
 * ```
 */
export function applyErrorHandling(
  app: INestApplication,
  options: ApplyErrorHandlingOptions = {},
): void {
  const { validation, requestIds } = resolveErrorsOptions(options);
  if (requestIds) useRequestIds(app);
  const body = options.body === false ? undefined : resolveBodyParserOptions(options.body ?? {});
  if (body) useSafeBodyParser(app, body);
  app.useGlobalFilters(new ProblemDetailsFilter({ httpAdapter: app.getHttpAdapter() }));
  if (validation !== false)
    app.useGlobalPipes(applicationValidationPipe(validation, body?.maxDepth));
}
