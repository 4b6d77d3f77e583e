/**
 * For packages that declare route parameters the validation pipe checks: the parameter type of
 * an array of DTOs (`@bulwark/authz`'s `@BodyOf([Dto])` uses it).
 *
 * @packageDocumentation
 */
export { applicationValidationPipe, arrayOf } from '../validation.pipe.js';
