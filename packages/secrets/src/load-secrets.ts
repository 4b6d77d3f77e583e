import { validateSecretsOptions } from './internal/validate-options.js';
import { SecretStore } from './secret-store.js';
import type { SecretsModuleOptions } from './secrets-options.interface.js';

function warnToConsole(message: string): void {
  console.warn(`[@bulwark/secrets] ${message}`);
}

/**
 * Loads the declared secrets (failing on the first missing required one, by name) and, by
 * default, watches their files for rotation. Usable without NestJS.
 *
 * @example
 * ```ts
 * const secrets = await loadSecrets({ required: ['REDIS_URL'] });
 * const redis = new Redis(secrets.get('REDIS_URL'));
 * secrets.onRotate('REDIS_URL', ({ value }) => reconnect(value));
 * ```
 */
export async function loadSecrets(options: SecretsModuleOptions): Promise<SecretStore> {
  return SecretStore.create(validateSecretsOptions(options, warnToConsole));
}

/**
 * Reads one secret once, without watching: `<NAME>_FILE`, `/run/secrets/<NAME>` (or the given
 * directories), then the environment. Throws a `BulwarkConfigError` naming it when missing.
 *
 * @example
 * ```ts
 * const dsn = await loadSecret('DATABASE_URL');
 * ```
 */
export async function loadSecret(
  name: string,
  options: Omit<SecretsModuleOptions, 'required' | 'optional' | 'watch'> = {},
): Promise<string> {
  const store = await loadSecrets({ ...options, required: [name], watch: false });
  try {
    return store.get(name);
  } finally {
    await store.close();
  }
}
