export { AEAD_PREFIX, AeadCipher, generateAeadKey } from './aead-cipher.js';
export type { GeneratedSealKey } from './key-ring.js';
export { generateSealKey, KeyRing, SEALED_PREFIX } from './key-ring.js';
export { loadSecret, loadSecrets } from './load-secrets.js';
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
export type { GenerateApiKeyOptions, GeneratePasswordOptions } from './secret-generation.js';
export {
  ALPHANUMERIC,
  generateApiKey,
  generatePassword,
  PASSWORD_SYMBOLS,
} from './secret-generation.js';
export type { SecretRotationListener } from './secret-store.js';
export { SecretStore } from './secret-store.js';
export { InjectSecretsOptions } from './secrets.decorator.js';
export type { SecretsErrorCode } from './secrets.error.js';
export { PasswordHashBusyError, SecretsError } from './secrets.error.js';
export { SecretsModule } from './secrets.module.js';
export { SECRET_STORE, SECRETS_OPTIONS } from './secrets.module-definition.js';
export { SecretsService } from './secrets.service.js';
export type { SecretRotation, SecretSource, SecretsOptions } from './secrets-options.interface.js';
