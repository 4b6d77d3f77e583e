// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { AuthModule } from './auth.module.js';
export type {
  AuthModuleAsyncOptions,
  AuthModuleForRootOptions,
  ResolvedAuthOptions,
} from './auth.module-definition.js';
export { InjectAuthOptions } from './auth.module-definition.js';
export { authOptionsFromEnv } from './auth-env.js';
export type {
  AuthCacheOptions,
  AuthModuleOptions,
  DevIssuerOptions,
  DpopMode,
  DpopOptions,
  PemPublicKey,
  TrustedIssuerOptions,
} from './auth-options.interface.js';

// Authentication
export { AuthGuard } from './auth.guard.js';
export { CurrentPrincipal } from './auth.decorators.js';
export { AuthKeyStore } from './auth-key.store.js';
export type { KeyReadiness, TokenPresentation, TokenVerifierStats } from './token-verifier.js';
export { TokenVerifier } from './token-verifier.js';

// DPoP
export type {
  DpopReplayStore,
  RedisDpopReplayStoreOptions,
} from './dpop-replay.store.js';
export { MemoryDpopReplayStore, RedisDpopReplayStore } from './dpop-replay.store.js';
export type { DpopVerifier, VerifiedDpopProof } from './dpop-verifier.js';

// Development tokens
export type { DevTokenOptions } from './dev-issuer.js';
export { mintDevToken } from './dev-issuer.js';

// Errors
export type { AuthErrorCode, AuthFailureReason } from './auth.error.js';
export { AuthError } from './auth.error.js';
