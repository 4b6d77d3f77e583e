// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module and one-call set-up
export { ErrorsModule } from './errors.module.js';
export { InjectErrorsOptions } from './errors.module-definition.js';
export { applyErrorHandling } from './apply-error-handling.js';
export type {
  ApplyErrorHandlingOptions,
  ErrorsModuleOptions,
  ResolvedErrorsOptions,
} from './errors-options.interface.js';

// Problem details
export {
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  sendProblem,
} from './problem-details.filter.js';

// Request bodies and validation
export { resolveBodyParserOptions, useSafeBodyParser } from './body-parser.js';
export type {
  BodyParserOptions,
  ResolvedBodyParserOptions,
} from './body-parser-options.interface.js';
export type { FieldViolation, StrictValidationOptions } from './validation-options.interface.js';
export { DEFAULT_PROTECTED_FIELDS, StrictValidationPipe } from './validation.pipe.js';

// Request ids
export { useRequestIds } from './request-id.js';

// Errors
export type { ErrorsErrorCode } from './errors.error.js';
export { ErrorsError } from './errors.error.js';
