import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envList } from '@bulwark/core/env';
import { ClientAddressResolver, parseTrustProxy, type TrustProxy } from '@bulwark/core/peer';
import { StrictValidationPipe } from '@bulwark/errors';
import { resolveBodyParserOptions } from '@bulwark/errors/body-parser';
import type {
  ResolvedSecurityOptions,
  ResolvedTlsOptions,
  SecurityOptions,
  TlsOptions,
} from '../http-options.interface.js';

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

function checkPath(setting: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BulwarkConfigError(setting, 'must be the path of a PEM file');
  }
  return value.trim();
}

function checkClientAuth(setting: string, value: unknown): 'required' | 'optional' {
  if (value !== 'required' && value !== 'optional') {
    throw new BulwarkConfigError(
      setting,
      `must be "required" or "optional" (got "${String(value)}")`,
    );
  }
  return value;
}

function tlsFromEnv(env: Environment): ResolvedTlsOptions | undefined {
  const cert = env.TLS_CERT_FILE?.trim() || undefined;
  const key = env.TLS_KEY_FILE?.trim() || undefined;
  const ca = env.TLS_CLIENT_CA_FILE?.trim() || undefined;
  const auth = env.TLS_CLIENT_AUTH?.trim() || undefined;
  if (cert === undefined && key === undefined) {
    if (ca !== undefined) {
      throw new BulwarkConfigError(
        'TLS_CLIENT_CA_FILE',
        'client certificates need TLS on the listener: set TLS_CERT_FILE and TLS_KEY_FILE too',
      );
    }
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    throw new BulwarkConfigError(
      cert === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE',
      'TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither for plain HTTP',
    );
  }
  if (auth !== undefined && ca === undefined) {
    throw new BulwarkConfigError(
      'TLS_CLIENT_AUTH',
      'applies to client certificates only: set TLS_CLIENT_CA_FILE too, or unset TLS_CLIENT_AUTH',
    );
  }
  return {
    certFile: cert,
    keyFile: key,
    clientCaFile: ca,
    clientAuth: auth === undefined ? 'required' : checkClientAuth('TLS_CLIENT_AUTH', auth),
    exemptPaths: PROBE_PATHS,
    reloadIntervalMs: 2000,
    settings: {
      certFile: 'TLS_CERT_FILE',
      keyFile: 'TLS_KEY_FILE',
      clientCaFile: 'TLS_CLIENT_CA_FILE',
    },
  };
}

/** The probes of `@bulwark/health`: kubelet cannot present a client certificate. */
const PROBE_PATHS: readonly string[] = Object.freeze([
  '/health/live',
  '/health/ready',
  '/health/startup',
]);

function checkTls(tls: TlsOptions): ResolvedTlsOptions {
  if (typeof tls !== 'object' || tls === null) {
    throw new BulwarkConfigError('tls', 'must be false or { certFile, keyFile, clientCaFile? }');
  }
  const exemptPaths = tls.exemptPaths ?? PROBE_PATHS;
  if (
    !Array.isArray(exemptPaths) ||
    !exemptPaths.every((path) => typeof path === 'string' && path.startsWith('/'))
  ) {
    throw new BulwarkConfigError('tls.exemptPaths', 'must be a list of paths starting with "/"');
  }
  return {
    certFile: checkPath('tls.certFile', tls.certFile),
    keyFile: checkPath('tls.keyFile', tls.keyFile),
    clientCaFile:
      tls.clientCaFile === undefined ? undefined : checkPath('tls.clientCaFile', tls.clientCaFile),
    clientAuth:
      tls.clientAuth === undefined ? 'required' : checkClientAuth('tls.clientAuth', tls.clientAuth),
    exemptPaths: [...exemptPaths],
    reloadIntervalMs: checkInt('tls.reloadIntervalMs', tls.reloadIntervalMs ?? 2000, 100, 10_000),
    settings: {
      certFile: 'tls.certFile',
      keyFile: 'tls.keyFile',
      clientCaFile: 'tls.clientCaFile',
    },
  };
}

const HEADER_NAME = /^[a-z0-9-]{1,64}$/;

function checkPeerHeader(
  value: string | false | undefined,
  setting: string,
  trustProxy: TrustProxy,
): string | undefined {
  if (value === undefined || value === false || value.trim() === '') return undefined;
  const name = value.trim().toLowerCase();
  if (!HEADER_NAME.test(name)) {
    throw new BulwarkConfigError(
      setting,
      `"${value}" is not a header name: use letters, digits and "-", such as x-forwarded-client-cert`,
    );
  }
  if (trustProxy === false) {
    throw new BulwarkConfigError(
      setting,
      'the header is believed only from a trusted proxy: set TRUST_PROXY (trustProxy) to the sidecar, such as loopback',
    );
  }
  if (typeof trustProxy === 'number') {
    // A hop count trusts whatever peer connects, such as an ingress controller that passes a
    // caller's own header on: the identity would be the caller's words.
    throw new BulwarkConfigError(
      setting,
      `TRUST_PROXY (trustProxy) is a hop count (${trustProxy}), which believes any peer: an identity header needs the sidecar's addresses, such as loopback`,
    );
  }
  return name;
}

/**
 * Applies defaults and environment variables (`CORS_ORIGINS`, `TRUST_PROXY`,
 * `BODY_LIMIT_BYTES`, `TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CLIENT_CA_FILE`, `TLS_CLIENT_AUTH`,
 * `PEER_IDENTITY_HEADER`) to {@link SecurityOptions} and validates them.
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
  // The pipe checks its options when built; built here too, so that they are refused at once.
  if (typeof validation === 'object') new StrictValidationPipe(validation);
  const tls =
    options.tls === false
      ? undefined
      : options.tls === undefined
        ? tlsFromEnv(env)
        : checkTls(options.tls);
  const peerIdentityHeader =
    options.peerIdentityHeader === undefined
      ? checkPeerHeader(env.PEER_IDENTITY_HEADER, 'PEER_IDENTITY_HEADER', trustProxy)
      : checkPeerHeader(options.peerIdentityHeader, 'peerIdentityHeader', trustProxy);
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
    tls,
    peerIdentityHeader,
    clientAddresses: new ClientAddressResolver(trustProxy),
  };
}
