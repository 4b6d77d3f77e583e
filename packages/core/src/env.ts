import { BulwarkConfigError } from './bulwark-error.js';

/** Environment variables, as read by the `env*` helpers. Defaults to `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/**
 * Reads a string variable. With `required`, a missing value fails start-up with a message
 * naming the variable.
 */
export function envString(
  name: string,
  options: { required: true; hint?: string; env?: Environment },
): string;
export function envString(
  name: string,
  options?: { default?: string; env?: Environment },
): string | undefined;
export function envString(
  name: string,
  options: { required?: boolean; default?: string; hint?: string; env?: Environment } = {},
): string | undefined {
  const value = read(options.env ?? process.env, name);
  if (value !== undefined) return value;
  if (options.required) {
    throw new BulwarkConfigError(
      name,
      `is required${options.hint ? `: ${options.hint}` : ''}. Set ${name}.`,
    );
  }
  return options.default;
}

/**
 * Reads an integer variable within `[min, max]`, or returns `fallback` when unset.
 *
 * @example
 * ```ts
 * const max = envInt('RATE_LIMIT_MAX', 100, { min: 1 });
 * ```
 */
export function envInt(
  name: string,
  fallback: number,
  options: { min?: number; max?: number; env?: Environment } = {},
): number {
  const value = read(options.env ?? process.env, name);
  if (value === undefined) return fallback;
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new BulwarkConfigError(
      name,
      `must be an integer from ${min} to ${max}. Set ${name} to such a number or unset it.`,
    );
  }
  return parsed;
}

/** Reads a boolean variable (`true`/`false`/`1`/`0`/`yes`/`no`), or returns `fallback` when unset. */
export function envBool(
  name: string,
  fallback: boolean,
  options: { env?: Environment } = {},
): boolean {
  const value = read(options.env ?? process.env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new BulwarkConfigError(name, `must be true or false. Set ${name}=true or ${name}=false.`);
}

/** Reads a comma-separated list, trimming entries and dropping empty ones. */
export function envList(
  name: string,
  fallback: readonly string[] = [],
  options: { env?: Environment } = {},
): string[] {
  const value = read(options.env ?? process.env, name);
  if (value === undefined) return [...fallback];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Whether `NODE_ENV` is `production`: the strict mode where missing settings stop start-up. */
export function isProduction(env: Environment = process.env): boolean {
  return read(env, 'NODE_ENV') === 'production';
}
