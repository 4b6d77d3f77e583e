import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envBool, envInt, envList, isProduction } from '@bulwark/core/env';
import { parseTrustProxy } from '@bulwark/core/peer';
import { DEFAULT_ALGORITHMS } from './auth.constants.js';
import type { AuthModuleOptions, DpopMode, DpopOptions } from './auth-options.interface.js';

const REQUIRED_IN_PRODUCTION = ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const;

/**
 * Builds {@link AuthModuleOptions} from the environment variables of a Bulwark service:
 * `AUTH_ISSUER`, `AUTH_AUDIENCE` (comma-separated), `AUTH_JWKS_URL`, `AUTH_ALGORITHMS`
 * (default `ES256,EdDSA,RS256,PS256`), `AUTH_CLOCK_TOLERANCE_SECONDS` (default 5),
 * `AUTH_TOKEN_TYPES` (default `at+jwt`), `AUTH_ALLOW_HTTP_JWKS` (default `false`),
 * `AUTH_JWKS_MAX_STALE_SECONDS` (default 86400) and `AUTH_DEV_ISSUER_DIR`; for DPoP (RFC 9449)
 * `AUTH_DPOP` (`off|allowed|required`, default `allowed`), `AUTH_DPOP_MAX_AGE_SECONDS`
 * (default 60), `AUTH_DPOP_NONCE` (default `false`), `AUTH_DPOP_NONCE_KEY_FILE`, and the shared
 * `REDIS_URL` (replay store shared by replicas) and `TRUST_PROXY` (scheme and host for `htu`).
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
    dpop: dpopFromEnv(env, read),
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

function dpopFromEnv(env: Environment, read: (name: string) => string | undefined): DpopOptions {
  const mode = (read('AUTH_DPOP') ?? 'allowed').toLowerCase();
  if (mode !== 'off' && mode !== 'allowed' && mode !== 'required') {
    throw new BulwarkConfigError('AUTH_DPOP', 'must be off, allowed or required. Set AUTH_DPOP.');
  }
  const nonce = envBool('AUTH_DPOP_NONCE', false, { env });
  const keyFile = read('AUTH_DPOP_NONCE_KEY_FILE');
  if (nonce && keyFile === undefined) {
    throw new BulwarkConfigError(
      'AUTH_DPOP_NONCE_KEY_FILE',
      'is required with AUTH_DPOP_NONCE=true: set it to a mounted secret file holding at least ' +
        '32 bytes, the same for every replica.',
    );
  }
  const redis = read('REDIS_URL');
  if (redis !== undefined && !/^rediss?:\/\//.test(redis)) {
    throw new BulwarkConfigError(
      'REDIS_URL',
      'must be a redis:// or rediss:// URL. Set REDIS_URL.',
    );
  }
  return {
    mode: mode as DpopMode,
    maxAgeSeconds: envInt('AUTH_DPOP_MAX_AGE_SECONDS', 60, { min: 1, max: 3600, env }),
    nonce,
    ...(nonce ? { nonceKeyFile: keyFile } : {}),
    ...(mode !== 'off' && redis !== undefined ? { redis } : {}),
    trustProxy: parseTrustProxy(read('TRUST_PROXY'), 'TRUST_PROXY'),
  };
}
