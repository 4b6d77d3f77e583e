/**
 * The TLS profile `createSecureApp` serves with (TLS 1.2 minimum, forward-secret AEAD suites only),
 * for a server or client of your own that should match it.
 *
 * @packageDocumentation
 */
export { MODERN_TLS_CIPHERS, TLS_ECDH_CURVES, TLS_MIN_VERSION } from '../tls-profile.js';
