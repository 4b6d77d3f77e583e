export { applySecurity } from './apply-security.js';
export { corsOptions } from './cors.js';
export { createSecureApp } from './create-secure-app.js';
export type { HttpErrorCode } from './http.error.js';
export { HttpError } from './http.error.js';
export type {
  ClientAuthMode,
  HttpAdapterName,
  ResolvedSecurityOptions,
  ResolvedTlsOptions,
  SecureAppOptions,
  SecurityOptions,
  TlsOptions,
} from './http-options.interface.js';
export { resolveSecurityOptions } from './resolve-security-options.js';
export {
  API_CONTENT_SECURITY_POLICY,
  installSecurityHeaders,
  setSecurityHeaders,
} from './security-headers.js';
export { MODERN_TLS_CIPHERS, TLS_ECDH_CURVES, TLS_MIN_VERSION } from './tls-profile.js';
