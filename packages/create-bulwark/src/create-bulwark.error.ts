/** The stable codes of {@link CreateBulwarkError}. */
export type CreateBulwarkErrorCode =
  | 'USAGE'
  | 'TARGET_NOT_EMPTY'
  | 'LOCAL_CHECKOUT'
  | 'PACK_FAILED'
  | 'INSTALL_FAILED'
  | 'TEMPLATE_MISSING';

/**
 * Every failure of the scaffolder. `USAGE` errors name the flag and exit with 2; the others
 * exit with 1.
 *
 * @example
 * ```ts
 * throw new CreateBulwarkError('USAGE', '--adapter must be fastify or express, not "koa"', '--adapter');
 * ```
 */
export class CreateBulwarkError extends Error {
  override readonly name = 'CreateBulwarkError';

  constructor(
    readonly code: CreateBulwarkErrorCode,
    message: string,
    /** The flag a usage error is about, such as `--adapter`. */
    readonly flag?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The process exit code: 2 for usage errors, 1 otherwise. */
  get exitCode(): 1 | 2 {
    return this.code === 'USAGE' ? 2 : 1;
  }
}
