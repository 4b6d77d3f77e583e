/** Injection token of the validated, defaulted `AuthzModule` options. */
export const AUTHZ_OPTIONS = 'BULWARK_AUTHZ:OPTIONS';

/** Injection token of the raw options given to `forRoot` / `forRootAsync`. */
export const AUTHZ_MODULE_OPTIONS = 'BULWARK_AUTHZ:MODULE_OPTIONS';
