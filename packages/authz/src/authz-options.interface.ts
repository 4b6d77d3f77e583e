import type { StrictValidationOptions } from '@bulwark/errors';

/**
 * Options of `AuthzModule.forRoot()` / `forRootAsync()`.
 *
 * @example
 * ```ts
 * AuthzModule.forRoot({
 *   permissions: { admin: ['notes:purge', 'users:read'] },
 *   objectDenialStatus: 404,
 * });
 * ```
 */
export interface AuthzModuleOptions {
  /**
   * Maps each role to the permissions it grants, for `@RequirePermissions()`.
   * @default {}
   */
  permissions?: Readonly<Record<string, readonly string[]>>;
  /**
   * The status of an object-level denial. 404 hides whether the object exists (OWASP API1).
   * @default 404
   */
  objectDenialStatus?: 403 | 404;
  /**
   * What start-up does with a route that declares neither `@Public()` nor a requirement:
   * `'fail'` throws, naming each route; `'warn'` logs them. Either way such a route answers 403.
   * @default 'fail'
   */
  undeclaredRoutes?: 'fail' | 'warn';
  /**
   * Installs `@bulwark/errors`' global `StrictValidationPipe` with these options (mass assignment
   * and prototype pollution defence; protected fields default to `DEFAULT_PROTECTED_FIELDS`),
   * or `false` to leave validation to the app.
   * @default {}
   */
  validation?: StrictValidationOptions | false;
  /**
   * Whether routes marked `@Serialize(View)` answer with the view's `@Expose()`d fields only;
   * `false` leaves every handler's value as it is (for an app with a serializer of its own).
   * @default true
   */
  serialization?: boolean;
  /**
   * Routes the HTTP server may answer although no controller declares them, so no guard checks
   * them: routes added straight to the Fastify or Express instance, such as a docs UI or static
   * files. Each is `'METHOD /path'` exactly as start-up names it (`'GET /docs'`,
   * `'GET /public/*'`; `HEAD` follows `GET`; `ALL` for every method). Any other such route stops
   * start-up with `AUTHZ_UNGUARDED_ROUTES`. Every entry is listed in the route inventory.
   * @default []
   * @example
   * ```ts
   * AuthzModule.forRoot({ unguardedRoutes: ['GET /docs', 'GET /docs/*'] })
   * ```
   */
  unguardedRoutes?: readonly string[];
}

/** {@link AuthzModuleOptions} after validation, with every default applied. */
export interface ResolvedAuthzOptions {
  readonly permissions: ReadonlyMap<string, ReadonlySet<string>>;
  readonly objectDenialStatus: 403 | 404;
  readonly undeclaredRoutes: 'fail' | 'warn';
  readonly validation: StrictValidationOptions | false;
  readonly serialization: boolean;
  readonly unguardedRoutes: readonly { readonly method: string; readonly path: string }[];
}

/**
 * A class for `AuthzModule.forRootAsync({ useClass })` or `useExisting`: the module calls its
 * `createAuthzOptions()` to get the options, which are then validated as `forRoot`'s are.
 *
 * @example
 * ```ts
 * @Injectable()
 * class AuthzConfig implements AuthzOptionsFactory {
 *   createAuthzOptions() { return { objectDenialStatus: 404 }; }
 * }
 * ```
 */
export interface AuthzOptionsFactory {
  /** Returns the module options, possibly after reading configuration. */
  createAuthzOptions(): AuthzModuleOptions | Promise<AuthzModuleOptions>;
}
