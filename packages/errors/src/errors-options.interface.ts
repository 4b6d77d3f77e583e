import type { BodyParserOptions } from './body-parser-options.interface.js';
import type { StrictValidationOptions } from './validation-options.interface.js';

/**
 * Options of `ErrorsModule.forRoot()`.
 *
 * @example
 * ```ts
 * ErrorsModule.forRoot({ validation: { transform: false } });
 * ```
 */
export interface ErrorsModuleOptions {
  /**
   * The global `StrictValidationPipe`: `true` for its defaults (here with no protected fields,
   * and `applyErrorHandling`'s body parser `maxDepth`), its options, or `false` for none (when
   * the app brings its own, or `AuthzModule` installs it).
   * @default true
   */
  validation?: boolean | StrictValidationOptions;
  /**
   * Assign a request id to every request (kept from a sane `x-request-id`, else generated).
   * @default true
   */
  requestIds?: boolean;
}

/**
 * {@link ErrorsModuleOptions} after validation, with every default applied, as
 * `@InjectErrorsOptions()` gives them.
 */
export interface ResolvedErrorsOptions {
  /**
   * The options of the global `StrictValidationPipe`, or `false` when none is installed. `true`
   * (or leaving the option unset) resolves to `{ protectedFields: [] }`, given options keep
   * their own `protectedFields`, else `[]`; the pipe applies its own defaults to the rest (and
   * `applyErrorHandling` the body parser's `maxDepth`).
   * @default { protectedFields: [] }
   */
  readonly validation: false | StrictValidationOptions;
  /**
   * Whether every request is assigned a request id.
   * @default true
   */
  readonly requestIds: boolean;
}

/**
 * Options of `applyErrorHandling()`: the module's options plus the body parser's, which must
 * be installed on the app before it initialises.
 *
 * @example
 * ```ts
 * applyErrorHandling(app, { body: { bodyLimitBytes: 65536 } });
 * ```
 */
export interface ApplyErrorHandlingOptions extends ErrorsModuleOptions {
  /**
   * The hardened JSON body parser: options, or `false` to keep the adapter's own parsers.
   * @default {}
   */
  body?: BodyParserOptions | false;
}

/**
 * A class for `ErrorsModule.forRootAsync({ useClass })` or `useExisting`: the module calls its
 * `create()` to get the options, which are then validated as `forRoot`'s are.
 *
 * @example
 * ```ts
 * @Injectable()
 * class ErrorsConfig implements ErrorsOptionsFactory {
 *   create() { return { requestIds: false }; }
 * }
 * ```
 */
export interface ErrorsOptionsFactory {
  /** Returns the module options, possibly after reading configuration. */
  create(): ErrorsModuleOptions | Promise<ErrorsModuleOptions>;
}
