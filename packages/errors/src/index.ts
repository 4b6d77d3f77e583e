// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/errors`: what an application calls or types. Each piece on its own, for code that
 * installs it without `ErrorsModule` or `applyErrorHandling()`, is in the subpath entry points
 * (`@bulwark/errors/body-parser`, `/problems`, `/request-ids`, `/validation`), listed in the
 * README.
 *
 * @packageDocumentation
 */

// Module and one-call set-up
export { ErrorsModule } from './errors.module.js';
export { InjectErrorsOptions } from './errors.module-definition.js';
export { applyErrorHandling } from './apply-error-handling.js';
export type {
  ApplyErrorHandlingOptions,
  ErrorsModuleOptions,
  ErrorsOptionsFactory,
  ResolvedErrorsOptions,
} from './errors-options.interface.js';

// Problem details
export { ProblemDetailsFilter } from './problem-details.filter.js';

// Validation
export type { FieldViolation, StrictValidationOptions } from './validation-options.interface.js';
export { DEFAULT_PROTECTED_FIELDS, StrictValidationPipe } from './validation.pipe.js';

// Errors
export type { ErrorsErrorCode } from './errors.error.js';
export { ErrorsError } from './errors.error.js';
