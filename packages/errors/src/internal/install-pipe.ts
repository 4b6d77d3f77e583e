import { StrictValidationPipe } from '../validation.pipe.js';
import type { StrictValidationOptions } from '../validation-options.interface.js';

/**
 * The pipe as `applyErrorHandling` and `ErrorsModule` install it: no protected fields unless
 * given (an app that registers no authorization has not said which fields its clients own),
 * and the body parser's depth limit.
 */
export function installedPipe(
  validation: true | StrictValidationOptions,
  maxDepth?: number,
): StrictValidationPipe {
  return new StrictValidationPipe({
    protectedFields: [],
    ...(maxDepth === undefined ? {} : { maxDepth }),
    ...(validation === true ? {} : validation),
  });
}
