/**
 * `@bulwark/core`: what an application calls or types. The contracts the Bulwark packages share
 * with each other are in the subpath entry points (`@bulwark/core/pipeline`, `/request`, ...), listed in
 * the README.
 *
 * @packageDocumentation
 */
export { BulwarkConfigError, BulwarkError } from './bulwark-error.js';
export type { Peer } from './peer.js';
export { getPeer } from './peer.js';
export type { Principal } from './principal.js';
export { getPrincipal } from './principal.js';
export type { ProblemDetails } from './problem.js';
export { ProblemException } from './problem.js';
export type { ProblemKind, ProblemOptions } from './problem-catalog.js';
export { problem } from './problem-catalog.js';
export { getRequestId, setResponseHeader } from './request-context.js';
export { Public } from './route-metadata.js';
