// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/core`: what an application calls or types. The contracts the Bulwark packages share
 * with each other are in the subpath entry points (`@bulwark/core/pipeline`, `/request`, ...),
 * listed in the README.
 *
 * @packageDocumentation
 */

// Errors
export { BulwarkConfigError, BulwarkError } from './bulwark-error.js';

// Problems
export type { ProblemKind, ProblemOptions } from './problem-catalog.js';
export { problem } from './problem-catalog.js';
export type { ProblemDetails } from './problem.js';
export { ProblemException } from './problem.js';

// Caller: the authenticated principal and the calling service
export type { Principal } from './principal.js';
export { getPrincipal } from './principal.js';
export type { Peer } from './peer.js';
export { getPeer } from './peer.js';

// Routes and requests
export { Public } from './route-metadata.js';
export { getRequestId, setResponseHeader } from './request-context.js';
