import {
  BulwarkConfigError,
  type Environment,
  envBool,
  envInt,
  envList,
  isProduction,
} from '@bulwark/core';
import { DEFAULT_ALGORITHMS } from './auth.constants.js';
import type { AuthModuleOptions } from './auth-options.interface.js';

const REQUIRED_IN_PRODUCTION = ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const;

/**
 * Builds {@link AuthModuleOptions} from the environment variables of a Bulwark service:
 * `AUTH_ISSUER`, `AUTH_AUDIENCE` (comma-separated), `AUTH_JWKS_URL`, `AUTH_ALGORITHMS`
 * (default `ES256,EdDSA,RS256,PS256`), `AUTH_CLOCK_TOLERANCE_SECONDS` (default 5),
 * `AUTH_TOKEN_TYPES` (default `at+jwt`), `AUTH_ALLOW_HTTP_JWKS` (default `false`),
 * `AUTH_JWKS_MAX_STALE_SECONDS` (default 86400) and `AUTH_DEV_ISSUER_DIR`.
 *
 * Outside production, with `AUTH_JWKS_URL` unset, the development issuer is used. In production
 * `AUTH_ISSUER` and `AUTH_AUDIENCE` are required, and start-up stops with a `BulwarkConfigError`
 * naming the missing ones. With `AUTH_JWKS_URL` unset in production, `jwks_uri` is found by
 * discovery from `AUTH_ISSUER` (OpenID Connect Discovery, then RFC 8414); a discovery that fails
 * at start-up is retried with backoff while readiness stays 503.
 *
 * @example
 * ```ts
 * AuthModule.forRoot(authOptionsFromEnv());
 * ```
 */
export function authOptionsFromEnv(env: Environment = process.env): AuthModuleOptions {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const production = isProduction(env);
  const common: AuthModuleOptions = {
    algorithms: envList('AUTH_ALGORITHMS', DEFAULT_ALGORITHMS, { env }),
    clockToleranceSeconds: envInt('AUTH_CLOCK_TOLERANCE_SECONDS', 5, { min: 0, max: 300, env }),
    tokenTypes: envList('AUTH_TOKEN_TYPES', ['at+jwt'], { env }),
    production,
    allowHttpKeys: envBool('AUTH_ALLOW_HTTP_JWKS', false, { env }),
    ...(read('AUTH_JWKS_MAX_STALE_SECONDS') === undefined
      ? {}
      : {
          jwksMaxStaleSeconds: envInt('AUTH_JWKS_MAX_STALE_SECONDS', 86_400, {
            min: 2,
            max: 31_536_000,
            env,
          }),
        }),
  };
  const audience = envList('AUTH_AUDIENCE', [], { env });
  const jwksUri = read('AUTH_JWKS_URL');
  if (production) {
    const missing = REQUIRED_IN_PRODUCTION.filter((name) => read(name) === undefined);
    if (missing.length > 0) {
      throw new BulwarkConfigError(
        missing.join(', '),
        `required in production (NODE_ENV=production); the development issuer is not allowed. ` +
          `Set ${REQUIRED_IN_PRODUCTION.join(', ')}, AUTH_JWKS_URL; AUTH_JWKS_URL may stay unset ` +
          'when the issuer publishes OpenID discovery (its jwks_uri is then discovered).',
      );
    }
    if (jwksUri === undefined) {
      return { ...common, issuer: read('AUTH_ISSUER'), audience, discovery: true };
    }
  }
  if (jwksUri === undefined) {
    const directory = read('AUTH_DEV_ISSUER_DIR');
    return {
      ...common,
      algorithms: undefined,
      ...(read('AUTH_ISSUER') ? { issuer: read('AUTH_ISSUER') } : {}),
      ...(audience.length > 0 ? { audience } : {}),
      devIssuer: directory ? { directory } : true,
    };
  }
  for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
    if (read(name) === undefined) {
      throw new BulwarkConfigError(name, `is required when AUTH_JWKS_URL is set. Set ${name}.`);
    }
  }
  return { ...common, issuer: read('AUTH_ISSUER'), audience, jwksUri };
}
