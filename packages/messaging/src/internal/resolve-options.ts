import { readFileSync } from 'node:fs';
import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, isProduction } from '@bulwark/core/env';
import {
  DEFAULT_DEDUPE_CAPACITY,
  DEFAULT_KEY_RELOAD_INTERVAL_MS,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PREFETCH,
  DEFAULT_PUBLISH_BUFFER_SIZE,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
  DEFAULT_RECONNECT_MIN_DELAY_MS,
  DEFAULT_RETRY_DELAY_MS,
} from '../messaging.constants.js';
import type {
  ExchangeDeclaration,
  MessagingLogEntry,
  MessagingModuleOptions,
  ResolvedMessagingOptions,
} from '../messaging-options.interface.js';

export type { ResolvedMessagingOptions } from '../messaging-options.interface.js';

function read(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(
  option: string,
  given: unknown,
  variable: string | undefined,
  env: Environment,
  fallback: number,
  min: number,
  max: number,
): number {
  if (given !== undefined) {
    if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < min || given > max) {
      throw new BulwarkConfigError(
        option,
        `must be an integer from ${min} to ${max}. Set ${option} to such a number or leave it unset.`,
      );
    }
    return given;
  }
  const raw = variable === undefined ? undefined : read(env, variable);
  if (variable === undefined || raw === undefined) return fallback;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new BulwarkConfigError(
      variable,
      `must be an integer from ${min} to ${max}. Set ${variable} to such a number or unset it.`,
    );
  }
  return parsed;
}

function bool(option: string, given: unknown, variable: string, env: Environment): boolean {
  if (given !== undefined) {
    if (typeof given !== 'boolean') {
      throw new BulwarkConfigError(option, `must be true or false. Set ${option} to a boolean.`);
    }
    return given;
  }
  const raw = read(env, variable)?.toLowerCase();
  if (raw === undefined) return false;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new BulwarkConfigError(
    variable,
    `must be true or false. Set ${variable}=true or ${variable}=false.`,
  );
}

function file(option: string, given: unknown, variable: string, env: Environment) {
  if (given !== undefined) {
    if (typeof given !== 'string' || given.trim() === '') {
      throw new BulwarkConfigError(option, `must be a file path. Set ${option} or leave it unset.`);
    }
    return { path: given, setting: option };
  }
  const path = read(env, variable);
  return path === undefined ? undefined : { path, setting: variable };
}

function readable(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BulwarkConfigError(
      setting,
      `the file ${path} cannot be read (${code}). Mount the file or correct ${setting}.`,
    );
  }
}

function resolveUrl(options: MessagingModuleOptions, env: Environment) {
  let raw: string | undefined;
  let source: string;
  if (options.url !== undefined) {
    if (typeof options.url !== 'string' || options.url.trim() === '') {
      throw new BulwarkConfigError('url', 'must be an amqps:// URL. Set url or AMQP_URL.');
    }
    raw = options.url.trim();
    source = 'url';
  } else if (read(env, 'AMQP_URL') !== undefined) {
    raw = read(env, 'AMQP_URL');
    source = 'AMQP_URL';
    if (read(env, 'AMQP_URL_FILE') !== undefined) {
      throw new BulwarkConfigError(
        'AMQP_URL',
        'and AMQP_URL_FILE are both set. Set only one of them.',
      );
    }
  } else {
    const path = read(env, 'AMQP_URL_FILE');
    if (path === undefined) {
      throw new BulwarkConfigError(
        'AMQP_URL',
        'is required: the broker URL, such as amqps://broker.internal:5671/vhost. Set AMQP_URL, or AMQP_URL_FILE to a file holding it.',
      );
    }
    raw = readable(path, 'AMQP_URL_FILE').trim();
    source = 'AMQP_URL_FILE';
  }
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    // The URL may hold a password: never echo it.
    throw new BulwarkConfigError(source, 'is not a valid URL. Set it to amqps://host:port/vhost.');
  }
  if (url.protocol !== 'amqps:' && url.protocol !== 'amqp:') {
    throw new BulwarkConfigError(
      source,
      `has the scheme ${url.protocol.replace(/:$/, '')}; only amqps (or amqp outside production) is accepted. Set ${source} to amqps://host:port/vhost.`,
    );
  }
  return { url, source };
}

function parseProducers(options: MessagingModuleOptions, env: Environment) {
  const producers = new Map<string, string>();
  if (options.producers !== undefined) {
    if (typeof options.producers !== 'object' || options.producers === null) {
      throw new BulwarkConfigError(
        'producers',
        'must map producer ids to JWKS files. Set producers to such an object.',
      );
    }
    for (const [id, path] of Object.entries(options.producers)) {
      if (id.trim() === '' || typeof path !== 'string' || path.trim() === '') {
        throw new BulwarkConfigError(
          `producers[${JSON.stringify(id)}]`,
          'must be a JWKS file path for a non-empty producer id.',
        );
      }
      producers.set(id, path);
    }
    return producers;
  }
  const raw = read(env, 'MESSAGING_PRODUCERS');
  if (raw === undefined) return producers;
  for (const entry of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    if (at <= 0 || at === entry.length - 1) {
      throw new BulwarkConfigError(
        'MESSAGING_PRODUCERS',
        'must be comma-separated id=/path/to/jwks.json pairs, such as spiffe://cluster.local/ns/orders/sa/orders=/keys/orders.jwks.json.',
      );
    }
    producers.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return producers;
}

function parseExchanges(given: unknown): Required<ExchangeDeclaration>[] {
  if (given === undefined) return [];
  if (!Array.isArray(given)) {
    throw new BulwarkConfigError('exchanges', 'must be an array of { name, type }.');
  }
  return given.map((entry, index) => {
    const name = (entry as ExchangeDeclaration | undefined)?.name;
    const type = (entry as ExchangeDeclaration | undefined)?.type ?? 'topic';
    if (typeof name !== 'string' || name === '' || name.startsWith('amq.')) {
      throw new BulwarkConfigError(
        `exchanges[${index}].name`,
        'must be a non-empty exchange name that does not start with amq.',
      );
    }
    if (!['topic', 'direct', 'fanout'].includes(type)) {
      throw new BulwarkConfigError(`exchanges[${index}].type`, 'must be topic, direct or fanout.');
    }
    return { name, type };
  });
}

function resolveRedisUrl(given: unknown, env: Environment): string | undefined {
  const setting = given === undefined ? 'REDIS_URL' : 'redisUrl';
  const raw = given === undefined ? read(env, 'REDIS_URL') : given;
  if (raw === undefined || raw === false) return undefined;
  if (typeof raw !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(raw)) {
    // The URL may hold a password: never echo it.
    throw new BulwarkConfigError(
      setting,
      `must be a redis:// or rediss:// URL. Set ${setting} to such a URL or leave it unset.`,
    );
  }
  return raw;
}

function writeJsonLine(entry: MessagingLogEntry): void {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), context: 'Messaging', ...entry })}\n`);
}

/**
 * Validates the options and the environment once. Every error names the option or the variable
 * to change, and never prints the URL (it may hold a password).
 */
export function resolveMessagingOptions(
  options: MessagingModuleOptions = {},
): ResolvedMessagingOptions {
  const env = options.env ?? process.env;
  const { url, source } = resolveUrl(options, env);
  const allowPlaintext = bool(
    'allowPlaintext',
    options.allowPlaintext,
    'AMQP_ALLOW_PLAINTEXT',
    env,
  );
  if (url.protocol === 'amqp:' && isProduction(env) && !allowPlaintext) {
    throw new BulwarkConfigError(
      source,
      'uses amqp:// in production, where only amqps:// is accepted. Use amqps://, or set AMQP_ALLOW_PLAINTEXT=true when a service mesh encrypts the hop.',
    );
  }
  const ca = file('caFile', options.caFile, 'TLS_CA_FILE', env);
  const cert = file('certFile', options.certFile, 'TLS_CERT_FILE', env);
  const key = file('keyFile', options.keyFile, 'TLS_KEY_FILE', env);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'certFile (TLS_CERT_FILE)' : 'keyFile (TLS_KEY_FILE)';
    const setting = cert === undefined ? (key?.setting ?? 'certFile') : cert.setting;
    throw new BulwarkConfigError(
      setting,
      `is set without ${missing}. A client certificate needs both files; set both or neither.`,
    );
  }
  for (const entry of [ca, cert, key]) if (entry) readable(entry.path, entry.setting);
  if (cert && url.protocol !== 'amqps:') {
    throw new BulwarkConfigError(
      cert.setting,
      `is set but ${source} is amqp://: a client certificate needs amqps://. Use amqps://.`,
    );
  }
  if (cert && (url.username !== '' || url.password !== '')) {
    throw new BulwarkConfigError(
      source,
      'holds a user name or password while a client certificate is set: with a certificate the broker authenticates with EXTERNAL. Remove the credentials from the URL.',
    );
  }
  const signing = file('signingKeyFile', options.signingKeyFile, 'MESSAGING_SIGNING_KEY_FILE', env);
  if (signing) readable(signing.path, signing.setting);
  const producers = parseProducers(options, env);
  const setting = options.producers === undefined ? 'MESSAGING_PRODUCERS' : 'producers';
  for (const [id, path] of producers) readable(path, `${setting} (${id})`);
  if (options.declare !== undefined && typeof options.declare !== 'boolean') {
    throw new BulwarkConfigError('declare', 'must be true or false.');
  }
  const reconnectMinDelayMs = integer(
    'reconnectMinDelayMs',
    options.reconnectMinDelayMs,
    undefined,
    env,
    DEFAULT_RECONNECT_MIN_DELAY_MS,
    1,
    600_000,
  );
  const reconnectMaxDelayMs = integer(
    'reconnectMaxDelayMs',
    options.reconnectMaxDelayMs,
    undefined,
    env,
    DEFAULT_RECONNECT_MAX_DELAY_MS,
    reconnectMinDelayMs,
    600_000,
  );
  return {
    url,
    urlSource: source,
    caFile: ca?.path,
    certFile: cert?.path,
    keyFile: key?.path,
    signingKeyFile: signing?.path,
    producers,
    exchanges: parseExchanges(options.exchanges),
    declare: options.declare ?? true,
    prefetch: integer(
      'prefetch',
      options.prefetch,
      'MESSAGING_PREFETCH',
      env,
      DEFAULT_PREFETCH,
      1,
      1000,
    ),
    maxAttempts: integer(
      'maxAttempts',
      options.maxAttempts,
      'MESSAGING_MAX_ATTEMPTS',
      env,
      DEFAULT_MAX_ATTEMPTS,
      1,
      100,
    ),
    retryDelayMs: integer(
      'retryDelayMs',
      options.retryDelayMs,
      'MESSAGING_RETRY_DELAY_MS',
      env,
      DEFAULT_RETRY_DELAY_MS,
      1,
      86_400_000,
    ),
    maxMessageBytes: integer(
      'maxMessageBytes',
      options.maxMessageBytes,
      'MESSAGING_MAX_MESSAGE_BYTES',
      env,
      DEFAULT_MAX_MESSAGE_BYTES,
      1024,
      16_777_216,
    ),
    maxAgeSeconds: integer(
      'maxAgeSeconds',
      options.maxAgeSeconds,
      'MESSAGING_MAX_AGE_SECONDS',
      env,
      DEFAULT_MAX_AGE_SECONDS,
      1,
      604_800,
    ),
    publishBufferSize: integer(
      'publishBufferSize',
      options.publishBufferSize,
      'MESSAGING_PUBLISH_BUFFER',
      env,
      DEFAULT_PUBLISH_BUFFER_SIZE,
      0,
      1_000_000,
    ),
    publishTimeoutMs: integer(
      'publishTimeoutMs',
      options.publishTimeoutMs,
      'MESSAGING_PUBLISH_TIMEOUT_MS',
      env,
      DEFAULT_PUBLISH_TIMEOUT_MS,
      1,
      600_000,
    ),
    reconnectMinDelayMs,
    reconnectMaxDelayMs,
    dedupeCapacity: integer(
      'dedupeCapacity',
      options.dedupeCapacity,
      undefined,
      env,
      DEFAULT_DEDUPE_CAPACITY,
      1,
      10_000_000,
    ),
    redisUrl: resolveRedisUrl(options.redisUrl, env),
    keyReloadIntervalMs: integer(
      'keyReloadIntervalMs',
      options.keyReloadIntervalMs,
      undefined,
      env,
      DEFAULT_KEY_RELOAD_INTERVAL_MS,
      0,
      3_600_000,
    ),
    now: options.now ?? Date.now,
    log: options.log ?? writeJsonLine,
  };
}
