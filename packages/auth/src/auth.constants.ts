/** The default algorithm allow-list: asymmetric only. */
export const DEFAULT_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];

/** The default accepted `typ` values (RFC 9068 §2.1). */
export const DEFAULT_TOKEN_TYPES: readonly string[] = ['at+jwt', 'application/at+jwt'];

/** The issuer the development issuer signs as, unless `AUTH_ISSUER` says otherwise. */
export const DEV_ISSUER = 'urn:bulwark:dev-issuer';

/** The audience of development tokens, unless `AUTH_AUDIENCE` says otherwise. */
export const DEV_AUDIENCE = 'urn:bulwark:dev-audience';

/** Where the development issuer keeps its key pair, relative to the working directory. */
export const DEV_ISSUER_DIRECTORY = '.bulwark/dev-issuer';
