/**
 * Base class of every error a Bulwark package throws on purpose.
 *
 * Each package narrows `Code` to a string-literal union, so callers can switch on `code`
 * instead of parsing messages.
 *
 * @example
 * ```ts
 * type AuthErrorCode = 'AUTH_INVALID_OPTIONS' | 'AUTH_NO_KEYS';
 * class AuthError extends BulwarkError<AuthErrorCode> {}
 * throw new AuthError('AUTH_NO_KEYS', 'no key source is configured');
 * ```
 */
export class BulwarkError<Code extends string = string> extends Error {
  /** Stable, machine-readable reason. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Thrown at start-up when options or environment variables are wrong. The message names
 * the option or variable to set, and never prints a secret value.
 */
export class BulwarkConfigError extends BulwarkError<'INVALID_CONFIG'> {
  /** The option or environment variable at fault, such as `AUTH_AUDIENCE` or `audience`. */
  readonly setting: string;

  constructor(setting: string, message: string) {
    super('INVALID_CONFIG', `${setting}: ${message}`);
    this.setting = setting;
  }
}
