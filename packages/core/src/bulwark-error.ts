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

  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_CONFIG', `${setting}: ${message}`, options);
    this.setting = setting;
  }

  /**
   * Runs `resolve`, and when it throws a `BulwarkConfigError` about an option whose value was
   * read from an environment variable, throws one that names the variable first, keeping the
   * allowed range the option's check gave and the option's name. A value that passed the
   * variable's own parsing can still fail a check of the option it became (a limit bounded by
   * its window, a list that must not be empty): the operator must still learn which variable
   * to change.
   *
   * `variables` maps option names, as the error's `setting` gives them (a nested setting such
   * as `limit.max` or `items[0]` matches `limit` or `items`), to the variable each came from;
   * `undefined` means the option was given in code.
   *
   * @example
   * ```ts
   * const policy = BulwarkConfigError.namingVariables(
   *   { 'default policy.limit': options.limit === undefined ? 'RATE_LIMIT_MAX' : undefined },
   *   () => policyOf('default policy', limit, windowSeconds),
   * );
   * // RATE_LIMIT_MAX: must be an integer from 1 to 60000000 (option default policy.limit).
   * ```
   */
  static namingVariables<T>(
    variables: Readonly<Record<string, string | undefined>>,
    resolve: () => T,
  ): T {
    try {
      return resolve();
    } catch (error) {
      if (!(error instanceof BulwarkConfigError)) throw error;
      const { setting } = error;
      const option = Object.keys(variables).find(
        (name) =>
          variables[name] !== undefined &&
          (setting === name || setting.startsWith(`${name}.`) || setting.startsWith(`${name}[`)),
      );
      const variable = option === undefined ? undefined : variables[option];
      if (variable === undefined || setting === variable) throw error;
      const detail = error.message.slice(setting.length + 2).replace(/\.$/, '');
      throw new BulwarkConfigError(variable, `${detail} (option ${setting}).`, { cause: error });
    }
  }
}
