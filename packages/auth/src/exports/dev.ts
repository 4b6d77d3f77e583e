/**
 * The development issuer: `mintDevToken()` signs tokens that a service with no key source accepts
 * outside production, and `DevIssuerOptions` is the type of the `devIssuer` option.
 *
 * @packageDocumentation
 */
export type { DevIssuerOptions } from '../auth-options.interface.js';
export type { DevTokenOptions } from '../dev-issuer.js';
export { mintDevToken } from '../dev-issuer.js';
