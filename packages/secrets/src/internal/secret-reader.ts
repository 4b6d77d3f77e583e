import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BulwarkConfigError, isProduction } from '@bulwark/core';
import { SecretsError } from '../secrets.error.js';
import type { SecretSource } from '../secrets-options.interface.js';
import type { ResolvedSecretsOptions } from './validate-options.js';

export interface ReadSecret {
  raw: string;
  source: SecretSource;
}

function fileNames(name: string): string[] {
  const lower = name.toLowerCase();
  return [...new Set([name, lower, lower.replaceAll('_', '-')])];
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

/** Reads a file, or returns `undefined` when it does not exist. */
async function readFileIfPresent(
  path: string,
  name: string,
  options: ResolvedSecretsOptions,
): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new SecretsError(
      'SECRETS_UNREADABLE',
      `secret ${name}: cannot read ${path} (${errorCode(error) ?? 'error'})`,
      { cause: error },
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new SecretsError('SECRETS_UNREADABLE', `secret ${name}: ${path} is not a file`);
    }
    // Checked on the open handle, so a swap between stat and read cannot slip a large file in.
    if (stat.size > options.maxFileBytes) {
      throw new SecretsError(
        'SECRETS_UNREADABLE',
        `secret ${name}: ${path} is ${stat.size} bytes, above maxFileBytes (${options.maxFileBytes})`,
      );
    }
    const buffer = Buffer.alloc(options.maxFileBytes + 1);
    try {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > options.maxFileBytes) {
        throw new SecretsError(
          'SECRETS_UNREADABLE',
          `secret ${name}: ${path} is above maxFileBytes (${options.maxFileBytes})`,
        );
      }
      const text = buffer.toString('utf8', 0, bytesRead);
      return options.trimTrailingNewline ? text.replace(/[\r\n]+$/, '') : text;
    } finally {
      buffer.fill(0);
    }
  } catch (error) {
    if (error instanceof SecretsError) throw error;
    throw new SecretsError(
      'SECRETS_UNREADABLE',
      `secret ${name}: cannot read ${path} (${errorCode(error) ?? 'error'})`,
      { cause: error },
    );
  } finally {
    await handle.close();
  }
}

/**
 * Finds and reads one secret, in the documented order: `<NAME>_FILE`, the directories, then
 * the environment. Returns `undefined` when no source has a non-empty value.
 */
export async function readSecret(
  name: string,
  options: ResolvedSecretsOptions,
): Promise<ReadSecret | undefined> {
  const fileVariable = `${name}_FILE`;
  const pointer = options.env[fileVariable]?.trim();
  if (pointer) {
    const raw = await readFileIfPresent(pointer, name, options);
    if (raw === undefined) {
      throw new BulwarkConfigError(fileVariable, `points to ${pointer}, which does not exist`);
    }
    if (raw === '') {
      throw new BulwarkConfigError(fileVariable, `points to ${pointer}, which is empty`);
    }
    return { raw, source: { kind: 'file', path: pointer, via: 'NAME_FILE' } };
  }
  for (const directory of options.directories) {
    for (const fileName of fileNames(name)) {
      const path = join(directory, fileName);
      const raw = await readFileIfPresent(path, name, options);
      if (raw === undefined) continue;
      if (raw === '') {
        throw new SecretsError('SECRETS_UNREADABLE', `secret ${name}: ${path} is empty`);
      }
      return { raw, source: { kind: 'file', path, via: 'directory' } };
    }
  }
  if (options.allowEnv) {
    const raw = options.env[name];
    if (raw !== undefined && raw !== '') {
      if (isProduction(options.env)) {
        options.onWarning(
          `secret ${name} is read from the environment variable ${name}; in production mount it as a file (${options.directories[0] ?? '/run/secrets'}/${name}) or set ${fileVariable}`,
        );
      }
      return { raw, source: { kind: 'env', variable: name } };
    }
  }
  return undefined;
}

/** The start-up error for a missing required secret: names it and every place looked at. */
export function missingSecretError(
  name: string,
  options: ResolvedSecretsOptions,
): BulwarkConfigError {
  const places = [
    `set ${name}_FILE to a file path`,
    `mount a file named ${name} in ${options.directories.join(' or ') || '(no directories configured)'}`,
  ];
  if (options.allowEnv) places.push(`set the environment variable ${name}`);
  return new BulwarkConfigError(name, `required secret is missing: ${places.join(', or ')}.`);
}
