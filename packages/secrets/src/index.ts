// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/secrets`: what an application calls or types to load mounted secrets and follow their
 * rotation. Passwords, sealed values and encryption, and generated secrets are in the subpath entry
 * points (`@bulwark/secrets/passwords`, `/crypto`, `/generate`), listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { SecretsModule } from './secrets.module.js';
export { InjectSecretsOptions } from './secrets.module-definition.js';
export type {
  ResolvedSecretsOptions,
  SecretRotation,
  SecretSource,
  SecretsModuleOptions,
  SecretsOptionsFactory,
} from './secrets-options.interface.js';
export { SecretsService } from './secrets.service.js';

// Loading secrets
export { loadSecret, loadSecrets } from './load-secrets.js';
export type { SecretRotationListener } from './secret-store.js';
export { SecretStore } from './secret-store.js';

// Errors
export type { SecretsErrorCode } from './secrets.error.js';
export { SecretsError } from './secrets.error.js';
