import { readFileSync } from 'node:fs';
import { BulwarkConfigError } from '@bulwark/core';
import { type Environment, envBool, envString, isProduction } from '@bulwark/core/env';
import { DEFAULT_EMBEDDED_DIRECTORY } from './database.constants.js';
import type { DatabaseOptions } from './database-options.interface.js';
import { isLoopback, parseConnectionUrl } from './internal/connection-url.js';

/** How the client verifies the server: always the full chain and the host name. */
export interface DatabaseTls {
  /** The CA bundle from `DATABASE_CA_FILE`, or `undefined` for Node's system store. */
  ca: string | undefined;
  /** Where the CA came from, for logs: the file path or `system`. */
  caSource: string;
}

/** A PostgreSQL server over the network. */
export interface PostgresConfig {
  engine: 'postgres';
  host: string;
  port: number;
  user: string;
  database: string;
  /** The password from the URL, or the current content of `passwordFile`. */
  password: string | undefined;
  /** `DATABASE_PASSWORD_FILE`, re-read for rotation. */
  passwordFile: string | undefined;
  /** `false` only for an allowed plaintext hop (loopback or `DATABASE_ALLOW_PLAINTEXT=true`). */
  tls: DatabaseTls | false;
  applicationName: string | undefined;
}

/** Embedded PGlite, outside production only. */
export interface EmbeddedConfig {
  engine: 'pglite';
  /** The data directory, or `undefined` for an in-memory database. */
  directory: string | undefined;
}

/** Where the database is, as {@link resolveDatabaseConfig} decided from the environment. */
export type DatabaseConfig = PostgresConfig | EmbeddedConfig;

function readSecretFile(variable: string, path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BulwarkConfigError(
      variable,
      `the file ${path} cannot be read (${code}). Mount it or unset ${variable}.`,
      {
        cause: error,
      },
    );
  }
  const value = content.trim();
  if (value === '') throw new BulwarkConfigError(variable, `the file ${path} is empty.`);
  return value;
}

function readPasswordFile(path: string): string {
  return readSecretFile('DATABASE_PASSWORD_FILE', path);
}

/**
 * Decides where the database is, from the environment, and checks the TLS rules. Reads the
 * files the variables name. Throws a {@link BulwarkConfigError} naming the variable at fault,
 * never printing the URL or a password.
 *
 * - `DATABASE_URL` (or `DATABASE_URL_FILE`, not both): `postgres://user[:password]@host[:port]/db`.
 * - The CA bundle is `DATABASE_CA_FILE`, else `TLS_CA_FILE`, else Node's system store.
 * - TLS is `verify-full` (chain and host name) unless the URL says `sslmode=disable`, which is
 *   allowed only to a loopback host or with `DATABASE_ALLOW_PLAINTEXT=true`. `sslmode=require`,
 *   `prefer`, `allow` and `verify-ca` do not check the host name (or the certificate at all) and
 *   are refused.
 * - In production, `DATABASE_URL` is required. Elsewhere, without it, embedded PGlite is used.
 *
 * @example
 * ```ts
 * const config = resolveDatabaseConfig({ env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db:5432/app' } });
 * // { engine: 'postgres', host: 'db', tls: { ca: undefined, caSource: 'system' }, … }
 * ```
 */
export function resolveDatabaseConfig(
  options: Pick<DatabaseOptions, 'env' | 'embedded'> = {},
): DatabaseConfig {
  const env: Environment = options.env ?? process.env;
  const inlineUrl = envString('DATABASE_URL', { env });
  const urlFile = envString('DATABASE_URL_FILE', { env });
  if (inlineUrl !== undefined && urlFile !== undefined) {
    throw new BulwarkConfigError(
      'DATABASE_URL_FILE',
      'is set together with DATABASE_URL. Set only one of them.',
    );
  }
  const production = isProduction(env);
  const allowPlaintext = envBool('DATABASE_ALLOW_PLAINTEXT', false, { env });
  const text = urlFile === undefined ? inlineUrl : readSecretFile('DATABASE_URL_FILE', urlFile);
  if (text === undefined) {
    if (production) {
      throw new BulwarkConfigError(
        'DATABASE_URL',
        'is required in production (embedded PGlite is for development and tests only). Set DATABASE_URL or DATABASE_URL_FILE.',
      );
    }
    const embedded = options.embedded ?? DEFAULT_EMBEDDED_DIRECTORY;
    if (typeof embedded !== 'string' || embedded.trim() === '') {
      throw new BulwarkConfigError('embedded', "must be a directory or 'memory'.");
    }
    return { engine: 'pglite', directory: embedded === 'memory' ? undefined : embedded };
  }
  const variable = urlFile === undefined ? 'DATABASE_URL' : 'DATABASE_URL_FILE';
  const parsed = parseConnectionUrl(text);
  if (typeof parsed === 'string') throw new BulwarkConfigError(variable, `${parsed}.`);

  const passwordFile = envString('DATABASE_PASSWORD_FILE', { env });
  if (passwordFile !== undefined && parsed.password !== undefined) {
    throw new BulwarkConfigError(
      'DATABASE_PASSWORD_FILE',
      `is set but the URL in ${variable} holds a password too. Keep the password in one place.`,
    );
  }
  const password = passwordFile === undefined ? parsed.password : readPasswordFile(passwordFile);

  const databaseCaFile = envString('DATABASE_CA_FILE', { env });
  // TLS_CA_FILE is the service's CA bundle for every outbound TLS hop; DATABASE_CA_FILE wins.
  const caVariable = databaseCaFile === undefined ? 'TLS_CA_FILE' : 'DATABASE_CA_FILE';
  const caFile = databaseCaFile ?? envString('TLS_CA_FILE', { env });
  let tls: DatabaseTls | false;
  switch (parsed.sslmode) {
    case undefined:
    case 'verify-full':
      tls =
        caFile === undefined
          ? { ca: undefined, caSource: 'system' }
          : { ca: readCa(caVariable, caFile), caSource: caFile };
      break;
    case 'disable':
      if (!isLoopback(parsed.host) && !allowPlaintext) {
        throw new BulwarkConfigError(
          variable,
          'sets sslmode=disable for a host that is not loopback: the password and data would cross the network unencrypted. Remove sslmode (verify-full is the default), or set DATABASE_ALLOW_PLAINTEXT=true when a mesh encrypts the hop.',
        );
      }
      if (databaseCaFile !== undefined) {
        throw new BulwarkConfigError(
          'DATABASE_CA_FILE',
          `is set but ${variable} sets sslmode=disable. Remove one of them.`,
        );
      }
      tls = false;
      break;
    case 'require':
    case 'prefer':
    case 'allow':
    case 'verify-ca':
      throw new BulwarkConfigError(
        variable,
        `sets sslmode=${parsed.sslmode}, which does not verify the server's host name${parsed.sslmode === 'verify-ca' ? '' : ' or certificate'}. Use sslmode=verify-full (the default when sslmode is absent), with DATABASE_CA_FILE for a private CA.`,
      );
    default:
      throw new BulwarkConfigError(
        variable,
        'has an unknown sslmode. Use verify-full, or disable for a loopback host.',
      );
  }
  return {
    engine: 'postgres',
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    database: parsed.database,
    password,
    passwordFile,
    tls,
    applicationName: parsed.applicationName,
  };
}

function readCa(variable: string, path: string): string {
  const pem = readSecretFile(variable, path);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new BulwarkConfigError(
      variable,
      `the file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
    );
  }
  return pem;
}
