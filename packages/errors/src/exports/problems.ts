/**
 * Problem responses from outside Nest's exception layer: `sendProblem()` answers with the
 * problem `ProblemDetailsFilter` would send (for a Fastify `frameworkErrors` handler or a raw
 * hook), and `PROBLEM_CONTENT_TYPE` is its media type, `application/problem+json`.
 *
 * @packageDocumentation
 */
export { PROBLEM_CONTENT_TYPE, sendProblem } from '../problem-details.filter.js';
