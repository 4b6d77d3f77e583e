import {
  BulwarkConfigError,
  ClientAddressResolver,
  envList,
  parseTrustProxy,
  type TrustProxy,
} from '@bulwark/core';
import { resolveBodyParserOptions } from '@bulwark/errors';
import type { ResolvedSecurityOptions, SecurityOptions } from './http-options.interface.js';

function checkOrigins(origins: readonly string[], credentials: boolean, setting: string): string[] {
  return origins.map((entry) => {
    if (entry === '*') {
      // Fetch §3.2.5: a credentialed response cannot use `*`, and reflecting any origin
      // with credentials would hand every site the user's session.
      if (credentials) {
        throw new BulwarkConfigError(setting, '"*" is not allowed when corsCredentials is true');
      }
      return entry;
    }
    if (entry.toLowerCase() === 'null') {
      throw new BulwarkConfigError(
        setting,
        '"null" is the origin of sandboxed and file documents; it is never allowed',
      );
    }
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      origin = ['http:', 'https:'].includes(url.protocol) ? url.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin === undefined || origin !== entry.toLowerCase().replace(/\/$/, '')) {
      throw new BulwarkConfigError(
        setting,
        `"${entry}" is not an origin: write scheme://host[:port], such as https://app.example.com, without a path`,
      );
    }
    return origin;
  });
}

function checkInt(setting: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BulwarkConfigError(setting, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function checkTrust(value: TrustProxy): TrustProxy {
  if (value === false) return value;
  if (typeof value === 'number') return checkInt('trustProxy', value, 0, 32) || false;
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) {
    new ClientAddressResolver(value);
    return value;
  }
  throw new BulwarkConfigError('trustProxy', 'must be false, a hop count or a list of CIDRs');
}

/**
 * Applies defaults and environment variables (`CORS_ORIGINS`, `TRUST_PROXY`,
 * `BODY_LIMIT_BYTES`) to {@link SecurityOptions} and validates them.
 *
 * @throws BulwarkConfigError naming the option or variable at fault, with what to set.
 * @example
 * ```ts
 * resolveSecurityOptions({}, { CORS_ORIGINS: 'https://app.example.com', TRUST_PROXY: '1' });
 * ```
 */
export function resolveSecurityOptions(
  options: SecurityOptions = {},
  env = options.env ?? process.env,
): ResolvedSecurityOptions {
  const corsCredentials = options.corsCredentials ?? false;
  if (typeof corsCredentials !== 'boolean') {
    throw new BulwarkConfigError('corsCredentials', 'must be true or false');
  }
  const corsOrigins =
    options.corsOrigins === undefined
      ? checkOrigins(envList('CORS_ORIGINS', [], { env }), corsCredentials, 'CORS_ORIGINS')
      : checkOrigins(options.corsOrigins, corsCredentials, 'corsOrigins');
  const trustProxy =
    options.trustProxy === undefined
      ? parseTrustProxy(env.TRUST_PROXY, 'TRUST_PROXY')
      : checkTrust(options.trustProxy);
  const body = resolveBodyParserOptions(
    {
      bodyLimitBytes: options.bodyLimitBytes,
      maxDepth: options.maxJsonDepth,
      maxArrayLength: options.maxJsonArrayLength,
    },
    env,
  );
  const keepAliveTimeoutMs = checkInt(
    'keepAliveTimeoutMs',
    options.keepAliveTimeoutMs ?? 5000,
    1,
    600_000,
  );
  const headersTimeoutMs = checkInt(
    'headersTimeoutMs',
    options.headersTimeoutMs ?? 10_000,
    1,
    600_000,
  );
  const requestTimeoutMs = checkInt(
    'requestTimeoutMs',
    options.requestTimeoutMs ?? 30_000,
    1,
    3_600_000,
  );
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new BulwarkConfigError('requestTimeoutMs', 'must be at least headersTimeoutMs');
  }
  const validation = options.validation ?? true;
  if (typeof validation !== 'boolean' && typeof validation !== 'object') {
    throw new BulwarkConfigError('validation', 'must be true, false or ValidationPipe options');
  }
  return {
    corsOrigins,
    corsCredentials,
    trustProxy,
    bodyLimitBytes: body.bodyLimitBytes,
    maxJsonDepth: body.maxDepth,
    maxJsonArrayLength: body.maxArrayLength,
    keepAliveTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    validation,
    clientAddresses: new ClientAddressResolver(trustProxy),
  };
}
