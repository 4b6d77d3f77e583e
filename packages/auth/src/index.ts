// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/auth`: what an application calls or types. Checking tokens outside the guard, DPoP's
 * verifier and replay stores, and the development issuer are in the subpath entry points
 * (`@bulwark/auth/verifier`, `/dpop`, `/dev`), listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { AuthModule } from './auth.module.js';
export { InjectAuthOptions } from './auth.module-definition.js';
export { authOptionsFromEnv } from './auth-env.js';
export type {
  AuthCacheOptions,
  AuthModuleOptions,
  AuthOptionsFactory,
  DpopMode,
  DpopOptions,
  PemPublicKey,
  ResolvedAuthOptions,
  TrustedIssuerOptions,
} from './auth-options.interface.js';

// Authentication
export { AuthGuard } from './auth.guard.js';
export { CurrentPrincipal } from './auth.decorators.js';

// Errors
export type { AuthErrorCode, AuthFailureReason } from './auth.error.js';
export { AuthError } from './auth.error.js';
