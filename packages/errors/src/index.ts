export { assignRequestId, isSaneRequestId, REQUEST_ID_HEADER } from '@bulwark/core';
export { applyErrorHandling } from './apply-error-handling.js';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  resolveBodyParserOptions,
  useSafeBodyParser,
} from './body-parser.js';
export type {
  BodyParserOptions,
  ResolvedBodyParserOptions,
} from './body-parser-options.interface.js';
export type { ErrorsErrorCode } from './errors.error.js';
export { ErrorsError } from './errors.error.js';
export { ErrorsModule, validateErrorsOptions } from './errors.module.js';
export { ERRORS_OPTIONS, InjectErrorsOptions } from './errors.module-definition.js';
export type { ApplyErrorHandlingOptions, ErrorsModuleOptions } from './errors-options.interface.js';
export {
  PROBLEM_CONTENT_TYPE,
  ProblemDetailsFilter,
  sendProblem,
} from './problem-details.filter.js';
export { installRequestIds, useRequestIds } from './request-id.js';
export type { FieldViolation } from './validation.pipe.js';
export { createValidationPipe, validationProblem } from './validation.pipe.js';
