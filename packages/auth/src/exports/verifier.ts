/**
 * Checking tokens yourself, outside the guard (a WebSocket handshake, a queue consumer, a
 * benchmark): the `TokenVerifier` the guard uses, the types of its calls, and the `AuthKeyStore`
 * that holds it in the module and reports the `jwks` readiness.
 *
 * @packageDocumentation
 */
export { AuthKeyStore } from '../auth-key.store.js';
export type { KeyReadiness, TokenPresentation, TokenVerifierStats } from '../token-verifier.js';
export { TokenVerifier } from '../token-verifier.js';
