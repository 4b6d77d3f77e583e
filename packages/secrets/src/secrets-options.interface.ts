import type { Environment } from '@bulwark/core/env';

/**
 * Where secrets come from and how they are watched. Used by `loadSecrets()` and
 * `SecretsModule.forRoot()`.
 *
 * For each name, the first source that has it wins:
 * 1. the file named by `<NAME>_FILE` (for example `REDIS_URL_FILE=/mnt/redis/url`);
 * 2. a file in one of `directories`, named `<NAME>`, `<name>` or `<name-with-dashes>`
 *    (so `REDIS_URL` matches `REDIS_URL`, `redis_url` and `redis-url`);
 * 3. the environment variable `<NAME>`, when `allowEnv` is on (a warning in production:
 *    environment variables leak into child processes, crash dumps and `/proc`).
 *
 * @example
 * ```ts
 * SecretsModule.forRoot({ required: ['REDIS_URL'], optional: ['SENTRY_DSN'] });
 * ```
 */
export interface SecretsModuleOptions {
  /** Names that must have a value: start-up fails naming the first one missing. @default [] */
  required?: readonly string[];
  /** Names that may be missing. @default [] */
  optional?: readonly string[];
  /**
   * Directories searched for secret files: Docker/Compose secrets and Kubernetes secret
   * volumes. A directory that does not exist is skipped. @default ['/run/secrets']
   */
  directories?: readonly string[];
  /** Environment read for `<NAME>_FILE`, `<NAME>` and `NODE_ENV`. @default process.env */
  env?: Environment;
  /** Fall back to the environment variable `<NAME>`. @default true */
  allowEnv?: boolean;
  /** Watch the directories of file-sourced secrets and re-read them on change. @default true */
  watch?: boolean;
  /**
   * Quiet time after a file event before re-reading, so a burst of events (an atomic
   * Kubernetes swap emits several) causes one re-read. @default 100
   */
  watchDebounceMs?: number;
  /** Larger files are refused, which catches a wrong mount. @default 65536 */
  maxFileBytes?: number;
  /** Remove trailing `\r` and `\n` from file contents (`echo value > file` adds one). @default true */
  trimTrailingNewline?: boolean;
  /**
   * Name of a secret holding a key ring (`bulwark-seal-key:v1:…` lines). When set, every value
   * that is a sealed value (`sealed:v1:…`) is unsealed with it, so configuration can be
   * committed encrypted. The key-ring secret is required. @default undefined (no unsealing)
   */
  unsealWith?: string;
  /**
   * Refuse, in production (`NODE_ENV=production`), a secret file that users other than the
   * process can read: mode bits for others, or for a group the process is not in. Outside
   * production, or when off, such a file only gives a warning naming it and its mode.
   * @default the environment variable SECRETS_STRICT_PERMISSIONS, else false
   */
  strictPermissions?: boolean;
  /**
   * Receives warnings (environment fallback in production, a file that cannot be re-read).
   * They never contain a value. @default console.warn (`loadSecrets`), the Nest logger (module)
   */
  onWarning?: (message: string) => void;
}

/** Where a loaded secret came from. Never holds the value. */
export type SecretSource =
  | { kind: 'file'; path: string; via: 'NAME_FILE' | 'directory' }
  | { kind: 'env'; variable: string };

/** Passed to rotation listeners when a secret's value changes. */
export interface SecretRotation {
  name: string;
  value: string;
  previous: string | undefined;
  source: SecretSource;
}

/**
 * {@link SecretsModuleOptions} validated, with the environment and the defaults applied, as
 * `@InjectSecretsOptions()` gives them.
 */
export interface ResolvedSecretsOptions {
  /** Secrets that must be present at start-up. */
  required: string[];
  /** Secrets that may be absent. */
  optional: string[];
  /** Directories searched for secret files. */
  directories: string[];
  /** The environment read. */
  env: Environment;
  /** Whether a secret may come from an environment variable. */
  allowEnv: boolean;
  /** Whether secret files are watched for rotation. */
  watch: boolean;
  /** Debounce of the file watch, in milliseconds. */
  watchDebounceMs: number;
  /** Largest secret file read, in bytes. */
  maxFileBytes: number;
  /** Whether trailing `\r` and `\n` are removed from file contents. */
  trimTrailingNewline: boolean;
  /** Name of the secret holding the key ring that unseals `sealed:v1:` values, if any. */
  unsealWith: string | undefined;
  /** Whether a group- or world-readable secret file is refused. */
  strictPermissions: boolean;
  /** Files already warned about for their mode, so a rotation does not repeat the warning. */
  permissionWarnings: Set<string>;
  /** Where warnings go. */
  onWarning: (message: string) => void;
}

/**
 * A class for `SecretsModule.forRootAsync({ useClass })` or `useExisting`: the module calls its
 * `create()` to get the options, which are then validated as `forRoot`'s are.
 *
 * @example
 * ```ts
 * @Injectable()
 * class SecretsConfig implements SecretsOptionsFactory {
 *   create() { return { required: ['REDIS_URL'] }; }
 * }
 * ```
 */
export interface SecretsOptionsFactory {
  /** Returns the module options, possibly after reading configuration. */
  create(): SecretsModuleOptions | Promise<SecretsModuleOptions>;
}
