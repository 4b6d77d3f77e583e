// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md)

// Application
export { applySecurity } from './apply-security.js';
export { createSecureApp } from './create-secure-app.js';

// Options
export type {
  ClientAuthMode,
  HttpAdapterName,
  SecureAppOptions,
  SecurityOptions,
  TlsOptions,
} from './http-options.interface.js';

// Errors
export type { HttpErrorCode } from './http.error.js';
export { HttpError } from './http.error.js';
