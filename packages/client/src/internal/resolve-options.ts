import { readFileSync } from 'node:fs';
import type { BlockList } from 'node:net';
import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, isProduction } from '@bulwark/core/env';
import type { ClientAuthOptions, ServiceClientOptions } from '../client-options.interface.js';
import { networkList } from './address-guard.js';
import { isLoopbackHost } from './token-source.js';

/** Defaults, named once. */
export const DEFAULTS = {
  connectMs: 2000,
  headersMs: 5000,
  totalMs: 10_000,
  retryAttempts: 2,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  budgetRatio: 0.2,
  minRetries: 3,
  budgetWindowSeconds: 10,
  consecutiveFailures: 5,
  halfOpenAfterMs: 10_000,
  maxResponseBytes: 1024 * 1024,
  reloadIntervalMs: 5000,
} as const;

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/** The token-endpoint side of `clientCredentials` and `tokenExchange`, resolved. */
export interface ResolvedGrant {
  kind: 'clientCredentials' | 'tokenExchange';
  tokenUrl: URL | undefined;
  issuer: URL | undefined;
  clientId: string;
  keyPem: string | undefined;
  keyId: string | undefined;
  secret: string | undefined;
  scope: string | undefined;
  resource: string | undefined;
  dpop: boolean;
}

/** A file's content and where it came from. */
export interface TlsFiles {
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
}

/** Validated options with every default applied. */
export interface ResolvedClientOptions {
  name: string;
  baseUrl: URL;
  audience: string | undefined;
  auth: ResolvedGrant | { kind: 'propagate' } | { kind: 'none' };
  tls: TlsFiles & { expectedPeer: string | undefined; reloadIntervalMs: number };
  connectMs: number;
  headersMs: number;
  totalMs: number;
  retry: {
    attempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    budgetRatio: number;
    minRetries: number;
    windowMs: number;
  };
  breaker: { consecutiveFailures: number; halfOpenAfterMs: number };
  followRedirects: boolean;
  maxResponseBytes: number;
  dynamic:
    | {
        schemes: readonly string[];
        hosts: readonly string[] | undefined;
        allowNetworks: BlockList;
        resolve: ((hostname: string) => Promise<readonly string[]>) | undefined;
      }
    | undefined;
  now: () => number;
}

function fail(setting: string, message: string): never {
  throw new BulwarkConfigError(setting, message);
}

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** An option, else its variable, remembering which one it was for the messages. */
function pick(
  option: string | undefined,
  optionName: string,
  env: Environment,
  variable: string,
): { value: string | undefined; setting: string } {
  if (option !== undefined) return { value: option, setting: optionName };
  return { value: read(env, variable), setting: `${variable} (option ${optionName})` };
}

function integer(
  value: number | undefined,
  fallback: number,
  setting: string,
  min: number,
  max: number,
): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < min || resolved > max) {
    fail(setting, `must be an integer from ${min} to ${max}.`);
  }
  return resolved;
}

function url(value: string, setting: string, env: Environment, allowLoopbackHttp: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return fail(setting, 'must be an absolute http(s) URL.');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    fail(setting, 'must be an absolute http(s) URL.');
  }
  if (parsed.username || parsed.password) fail(setting, 'must not hold credentials.');
  if (parsed.search || parsed.hash) fail(setting, 'must not have a query or fragment.');
  if (
    parsed.protocol === 'http:' &&
    isProduction(env) &&
    !(allowLoopbackHttp && isLoopbackHost(parsed.hostname))
  ) {
    fail(setting, 'must be https in production (http is accepted on loopback only).');
  }
  return parsed;
}

/** Client credentials and tokens travel here: https, or http on this host only, in every mode. */
function authorizationServerUrl(value: string, setting: string, env: Environment): URL {
  const parsed = url(value, setting, env, true);
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    fail(setting, 'must be https (http is accepted on loopback only).');
  }
  return parsed;
}

function readSecretFile(path: string, setting: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (text === '') fail(setting, `the file ${path} is empty.`);
    return text;
  } catch (error) {
    if (error instanceof BulwarkConfigError) throw error;
    return fail(
      setting,
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
}

function resolveAuth(
  auth: ClientAuthOptions,
  audience: string | undefined,
  env: Environment,
): ResolvedClientOptions['auth'] {
  switch (auth.kind) {
    case 'none':
      return { kind: 'none' };
    case 'propagate':
      if (!audience) fail('audience', 'is required with auth kind "propagate".');
      return { kind: 'propagate' };
    case 'clientCredentials':
    case 'tokenExchange': {
      if (auth.kind === 'tokenExchange' && !audience) {
        fail('audience', 'is required with auth kind "tokenExchange".');
      }
      const tokenUrl = pick(auth.tokenUrl, 'auth.tokenUrl', env, 'AUTH_TOKEN_URL');
      const issuer = pick(auth.issuer, 'auth.issuer', env, 'AUTH_ISSUER');
      if (!tokenUrl.value && !issuer.value) {
        fail(
          'AUTH_TOKEN_URL',
          'is required, or AUTH_ISSUER for discovery (options auth.tokenUrl, auth.issuer). Set AUTH_TOKEN_URL.',
        );
      }
      const clientId = pick(auth.clientId, 'auth.clientId', env, 'AUTH_CLIENT_ID');
      if (!clientId.value) {
        fail('AUTH_CLIENT_ID', 'is required (option auth.clientId). Set AUTH_CLIENT_ID.');
      }
      const keyFile = pick(auth.keyFile, 'auth.keyFile', env, 'AUTH_CLIENT_KEY_FILE');
      const secretFile = pick(auth.secretFile, 'auth.secretFile', env, 'AUTH_CLIENT_SECRET_FILE');
      if (keyFile.value && secretFile.value) {
        fail(
          'AUTH_CLIENT_KEY_FILE',
          'and AUTH_CLIENT_SECRET_FILE are both set (options auth.keyFile, auth.secretFile); set one.',
        );
      }
      if (!keyFile.value && !secretFile.value) {
        fail(
          'AUTH_CLIENT_KEY_FILE',
          'or AUTH_CLIENT_SECRET_FILE is required (options auth.keyFile, auth.secretFile). Set AUTH_CLIENT_KEY_FILE to a private key file.',
        );
      }
      if (auth.dpop !== undefined && typeof auth.dpop !== 'boolean') {
        fail('auth.dpop', 'must be true or false.');
      }
      const resource =
        auth.resource ?? (audience && /^[a-z][a-z0-9+.-]*:/i.test(audience) ? audience : undefined);
      return {
        kind: auth.kind,
        tokenUrl: tokenUrl.value
          ? authorizationServerUrl(tokenUrl.value, tokenUrl.setting, env)
          : undefined,
        issuer: issuer.value
          ? authorizationServerUrl(issuer.value, issuer.setting, env)
          : undefined,
        clientId: clientId.value as string,
        keyPem: keyFile.value ? readSecretFile(keyFile.value, keyFile.setting) : undefined,
        keyId: auth.keyId,
        secret: secretFile.value ? readSecretFile(secretFile.value, secretFile.setting) : undefined,
        scope: auth.scope,
        resource,
        dpop: auth.dpop ?? false,
      };
    }
    default: {
      const never: never = auth;
      return fail(
        'auth.kind',
        `must be clientCredentials, tokenExchange, propagate or none, not ${JSON.stringify((never as { kind: unknown }).kind)}.`,
      );
    }
  }
}

/**
 * Validates a client's options once, at registration, and applies the defaults and the
 * environment. Throws `BulwarkConfigError` naming the option and its variable.
 */
export function resolveClientOptions(options: ServiceClientOptions): ResolvedClientOptions {
  if (!options || typeof options !== 'object') fail('options', 'must be an object.');
  const env = options.env ?? process.env;
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    fail('name', 'must be 1 to 63 letters, digits, ".", "_" or "-".');
  }
  if (typeof options.baseUrl !== 'string') fail('baseUrl', 'is required.');
  const baseUrl = url(options.baseUrl, 'baseUrl', env, true);
  const audience = options.audience;
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
    fail('audience', 'must be a non-empty string.');
  }
  const auth = resolveAuth(options.auth ?? { kind: 'none' }, audience, env);

  const tlsOptions = options.tls ?? {};
  const fromEnv = tlsOptions.fromEnv ?? true;
  const tlsEnv: Environment = fromEnv ? env : {};
  const caFile = pick(tlsOptions.caFile, 'tls.caFile', tlsEnv, 'TLS_CA_FILE');
  const certFile = pick(tlsOptions.certFile, 'tls.certFile', tlsEnv, 'TLS_CERT_FILE');
  const keyFile = pick(tlsOptions.keyFile, 'tls.keyFile', tlsEnv, 'TLS_KEY_FILE');
  if (Boolean(certFile.value) !== Boolean(keyFile.value)) {
    fail(
      certFile.value ? keyFile.setting : certFile.setting,
      'is required when the other of TLS_CERT_FILE / TLS_KEY_FILE (tls.certFile / tls.keyFile) is set.',
    );
  }
  for (const file of [caFile, certFile, keyFile]) {
    if (file.value) readSecretFile(file.value, file.setting);
  }
  const expectedPeer = tlsOptions.expectedPeer;
  if (expectedPeer !== undefined) {
    if (
      typeof expectedPeer !== 'string' ||
      !/^(spiffe:\/\/[^\s]+|[a-z0-9*.-]+)$/i.test(expectedPeer)
    ) {
      fail('tls.expectedPeer', 'must be a spiffe:// ID or a DNS name.');
    }
    if (baseUrl.protocol !== 'https:') fail('tls.expectedPeer', 'needs an https baseUrl.');
  }

  const timeouts = options.timeouts ?? {};
  const connectMs = integer(
    timeouts.connectMs,
    DEFAULTS.connectMs,
    'timeouts.connectMs',
    1,
    600_000,
  );
  const headersMs = integer(
    timeouts.headersMs,
    DEFAULTS.headersMs,
    'timeouts.headersMs',
    1,
    600_000,
  );
  const totalMs = integer(timeouts.totalMs, DEFAULTS.totalMs, 'timeouts.totalMs', 1, 600_000);

  const retry = options.retry ?? {};
  const budgetRatio = retry.budgetRatio ?? DEFAULTS.budgetRatio;
  if (typeof budgetRatio !== 'number' || !(budgetRatio >= 0 && budgetRatio <= 1)) {
    fail('retry.budgetRatio', 'must be a number from 0 to 1.');
  }
  const breaker = options.breaker ?? {};

  let dynamic: ResolvedClientOptions['dynamic'];
  if (options.allowDynamicHosts) {
    const dyn = options.allowDynamicHosts;
    if (auth.kind !== 'none') {
      fail(
        'allowDynamicHosts',
        'needs auth kind "none": a token never goes to a host it was not issued for.',
      );
    }
    const schemes = dyn.schemes ?? ['https'];
    for (const scheme of schemes) {
      if (scheme !== 'http' && scheme !== 'https')
        fail('allowDynamicHosts.schemes', 'holds only "http" or "https".');
    }
    let allowNetworks: BlockList;
    try {
      allowNetworks = networkList(dyn.allowNetworks ?? [], 'allowDynamicHosts.allowNetworks');
    } catch (error) {
      return fail(
        'allowDynamicHosts.allowNetworks',
        `${(error as Error).message.split(': ').slice(1).join(': ')}.`,
      );
    }
    dynamic = {
      schemes,
      hosts: dyn.hosts?.map((host) => host.toLowerCase()),
      allowNetworks,
      resolve: dyn.resolve,
    };
  }

  return {
    name: options.name,
    baseUrl,
    audience,
    auth,
    tls: {
      caFile: caFile.value,
      certFile: certFile.value,
      keyFile: keyFile.value,
      expectedPeer,
      reloadIntervalMs: integer(
        tlsOptions.reloadIntervalMs,
        DEFAULTS.reloadIntervalMs,
        'tls.reloadIntervalMs',
        10,
        3_600_000,
      ),
    },
    connectMs,
    headersMs,
    totalMs,
    retry: {
      attempts: integer(retry.attempts, DEFAULTS.retryAttempts, 'retry.attempts', 0, 2),
      baseDelayMs: integer(retry.baseDelayMs, DEFAULTS.baseDelayMs, 'retry.baseDelayMs', 0, 60_000),
      maxDelayMs: integer(retry.maxDelayMs, DEFAULTS.maxDelayMs, 'retry.maxDelayMs', 0, 600_000),
      budgetRatio,
      minRetries: integer(retry.minRetries, DEFAULTS.minRetries, 'retry.minRetries', 0, 1000),
      windowMs:
        integer(
          retry.budgetWindowSeconds,
          DEFAULTS.budgetWindowSeconds,
          'retry.budgetWindowSeconds',
          1,
          3600,
        ) * 1000,
    },
    breaker: {
      consecutiveFailures: integer(
        breaker.consecutiveFailures,
        DEFAULTS.consecutiveFailures,
        'breaker.consecutiveFailures',
        1,
        1000,
      ),
      halfOpenAfterMs: integer(
        breaker.halfOpenAfterMs,
        DEFAULTS.halfOpenAfterMs,
        'breaker.halfOpenAfterMs',
        1,
        3_600_000,
      ),
    },
    followRedirects: options.followRedirects ?? false,
    maxResponseBytes: integer(
      options.maxResponseBytes,
      DEFAULTS.maxResponseBytes,
      'maxResponseBytes',
      1,
      1024 ** 3,
    ),
    dynamic,
    now: options.now ?? Date.now,
  };
}
