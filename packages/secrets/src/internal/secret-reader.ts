import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { isProduction } from '@bulwark/core/env';
import { SecretsError } from '../secrets.error.js';
import type { ResolvedSecretsOptions, SecretSource } from '../secrets-options.interface.js';

export interface ReadSecret {
  raw: string;
  source: SecretSource;
}

function fileNames(name: string): string[] {
  const lower = name.toLowerCase();
  return [...new Set([name, lower, lower.replaceAll('_', '-')])];
}

/**
 * Who besides the owner can read the file: `others`, or `group` unless the file's group is one
 * the process itself belongs to (Kubernetes gives a secret volume the pod's `fsGroup` and adds
 * group read to it, so `defaultMode: 0400` arrives as 0440 with the process's own group).
 */
function looseReaders(stat: Stats): string | undefined {
  if (process.platform === 'win32') return undefined;
  const others = (stat.mode & 0o004) !== 0;
  const ownGroups = new Set([process.getegid?.(), ...(process.getgroups?.() ?? [])]);
  const group = (stat.mode & 0o040) !== 0 && !ownGroups.has(stat.gid);
  if (others && group) return 'group and others';
  if (others) return 'others';
  return group ? `group ${stat.gid}` : undefined;
}

function checkPermissions(
  stat: Stats,
  path: string,
  name: string,
  options: ResolvedSecretsOptions,
): void {
  const readers = looseReaders(stat);
  if (readers === undefined) return;
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  const fix = `chmod 0400 ${path} (on Kubernetes, defaultMode: 0400 on the secret volume)`;
  if (options.strictPermissions && isProduction(options.env)) {
    throw new BulwarkConfigError(
      'SECRETS_STRICT_PERMISSIONS',
      `secret ${name}: ${path} is readable by ${readers} (mode ${mode}), which strictPermissions (SECRETS_STRICT_PERMISSIONS=true) refuses in production: ${fix}`,
    );
  }
  if (options.permissionWarnings.has(path)) return;
  options.permissionWarnings.add(path);
  options.onWarning(
    `secret ${name}: ${path} is readable by ${readers} (mode ${mode}); ${fix}. With SECRETS_STRICT_PERMISSIONS=true this stops a production start-up.`,
  );
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
    checkPermissions(stat, path, name, options);
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
    if (error instanceof SecretsError || error instanceof BulwarkConfigError) throw error;
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
