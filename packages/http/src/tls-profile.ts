/**
 * The cipher suites of the main listener: a modern profile. TLS 1.3's three AEAD suites, then,
 * for TLS 1.2 clients, ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only, so every
 * connection has forward secrecy and an AEAD cipher; no CBC, RSA key exchange, DHE, SHA-1 MACs
 * or export suites. It follows Mozilla's server-side TLS guidance, "intermediate" configuration,
 * without its DHE suites.
 */
export const MODERN_TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The lowest protocol version the listener accepts: TLS 1.2 (RFC 8996 retired 1.0 and 1.1). */
export const TLS_MIN_VERSION = 'TLSv1.2';

/** The key-exchange groups offered, strongest-first by preference: X25519, then P-256, P-384. */
export const TLS_ECDH_CURVES = 'X25519:P-256:P-384';
