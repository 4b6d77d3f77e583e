import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { AuthError } from '../auth.error.js';

/** The development issuer's ES256 key pair. */
export interface DevIssuerKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

const KEY_FILE = 'es256.private.jwk.json';

function toPublic(jwk: JWK): JWK {
  const { d: _private, ...publicJwk } = jwk;
  return publicJwk;
}

async function readKey(file: string): Promise<DevIssuerKey> {
  const jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || !jwk.kid) {
    throw new Error(`${file} is not an ES256 private JWK; delete it to create a new one`);
  }
  const privateKey = (await importJWK(jwk, 'ES256')) as CryptoKey;
  return { kid: jwk.kid, privateKey, publicJwk: { ...toPublic(jwk), alg: 'ES256', use: 'sig' } };
}

async function createKey(folder: string, file: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // Ignores the folder's whole content, itself included, whatever the project's .gitignore says.
  await writeFile(join(folder, '.gitignore'), '*\n', { mode: 0o644 });
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const temporary = join(folder, `.${KEY_FILE}.${randomBytes(6).toString('hex')}`);
  await writeFile(temporary, JSON.stringify({ ...jwk, kid, alg: 'ES256' }), { mode: 0o600 });
  try {
    // link() fails when the file exists: two processes starting at once keep one key.
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** Reads the development key pair from `directory`, creating it on first use. */
export async function loadDevIssuerKey(directory: string): Promise<DevIssuerKey> {
  const folder = resolve(directory);
  const file = join(folder, KEY_FILE);
  try {
    try {
      return await readKey(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await createKey(folder, file);
    return await readKey(file);
  } catch (error) {
    throw new AuthError(
      'AUTH_DEV_ISSUER',
      'keys_unavailable',
      `development issuer key in ${folder}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
