/**
 * For packages that raise or map problems: the catalog's lower-level pieces, the process-wide
 * authentication challenge, and the exception-mapper registry.
 *
 * @packageDocumentation
 */
export type { ExceptionMapper } from '../exception-mappers.js';
export { mapException, registerExceptionMapper } from '../exception-mappers.js';
export type { ProblemInit } from '../problem.js';
export { PROBLEM_TYPE_BASE, problemType } from '../problem.js';
export type { AuthChallenge, ChallengeParams } from '../problem-catalog.js';
export { problemForStatus, setAuthChallenge } from '../problem-catalog.js';
