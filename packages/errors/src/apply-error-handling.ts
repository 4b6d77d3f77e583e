import type { INestApplication } from '@nestjs/common';
import { useSafeBodyParser } from './body-parser.js';
import type { ApplyErrorHandlingOptions } from './errors-options.interface.js';
import { validateErrorsOptions } from './internal/validate-options.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { useRequestIds } from './request-id.js';
import { createValidationPipe } from './validation.pipe.js';

/**
 * Everything `@bulwark/errors` does, applied to an app before it initialises: request ids,
 * the hardened body parser, the global {@link ProblemDetailsFilter} and the global
 * validation pipe. Use either this or `ErrorsModule` (plus `useSafeBodyParser`), not both.
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
  const { validation, requestIds } = validateErrorsOptions(options);
  if (requestIds !== false) useRequestIds(app);
  if (options.body !== false) useSafeBodyParser(app, options.body ?? {});
  app.useGlobalFilters(new ProblemDetailsFilter({ httpAdapter: app.getHttpAdapter() }));
  if (validation !== false) {
    app.useGlobalPipes(createValidationPipe(typeof validation === 'object' ? validation : {}));
  }
}
