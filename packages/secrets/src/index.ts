// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { SecretsModule } from './secrets.module.js';
export { InjectSecretsOptions } from './secrets.module-definition.js';
export type {
  ResolvedSecretsOptions,
  SecretRotation,
  SecretSource,
  SecretsOptions,
} from './secrets-options.interface.js';
export { SecretsService } from './secrets.service.js';

// Loading secrets
export { loadSecret, loadSecrets } from './load-secrets.js';
export type { SecretRotationListener } from './secret-store.js';
export { SecretStore } from './secret-store.js';

// Sealed values and encryption
export type { GeneratedSealKey } from './key-ring.js';
export { generateSealKey, KeyRing } from './key-ring.js';
export { AeadCipher, generateAeadKey } from './aead-cipher.js';

// Passwords
export { hashPassword, passwordNeedsRehash, verifyPassword } from './password-hash.js';
export type {
  PasswordHashCost,
  PasswordHasherOptions,
  PasswordHashProfile,
} from './password-hasher.js';
export {
  MAX_PASSWORD_BYTES,
  MAX_PASSWORD_HASH_COST,
  MIN_PASSWORD_HASH_COST,
  PasswordHasher,
} from './password-hasher.js';

// Generated secrets
export type { GenerateApiKeyOptions, GeneratePasswordOptions } from './secret-generation.js';
export { generateApiKey, generatePassword } from './secret-generation.js';

// Errors
export type { SecretsErrorCode } from './secrets.error.js';
export { PasswordHashBusyError, SecretsError } from './secrets.error.js';
