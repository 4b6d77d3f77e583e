import sodium from 'libsodium-wrappers-sumo';
import { SecretsError } from '../secrets.error.js';

/** The libsodium API, once its WebAssembly module is ready. */
export type Sodium = typeof sodium;

/** Resolves libsodium after `sodium.ready`; cheap after the first call. */
export async function loadSodium(): Promise<Sodium> {
  await sodium.ready;
  return sodium;
}

/** URL-safe base64 without padding: safe in env files, YAML and URLs without quoting. */
export function toBase64(lib: Sodium, bytes: Uint8Array): string {
  return lib.to_base64(bytes, lib.base64_variants.URLSAFE_NO_PADDING);
}

export function fromBase64(lib: Sodium, text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new SecretsError('SECRETS_MALFORMED', `${what} is not URL-safe base64`);
  }
  try {
    return lib.from_base64(text, lib.base64_variants.URLSAFE_NO_PADDING);
  } catch (cause) {
    throw new SecretsError('SECRETS_MALFORMED', `${what} is not URL-safe base64`, { cause });
  }
}

export function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 and wipes the bytes. JavaScript strings cannot be wiped, so callers that can
 * work with bytes should prefer the byte-returning methods.
 */
export function bytesToStringAndWipe(lib: Sodium, bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new SecretsError('SECRETS_MALFORMED', 'the plaintext is not valid UTF-8', { cause });
  } finally {
    lib.memzero(bytes);
  }
}

/** Key ids appear in text formats separated by `:`, so they are restricted to a safe alphabet. */
export const KID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function assertKid(kid: string): void {
  if (!KID_PATTERN.test(kid)) {
    throw new SecretsError(
      'SECRETS_INVALID_INPUT',
      'a key id must be 1 to 64 characters of A-Z, a-z, 0-9, "_", "." or "-"',
    );
  }
}

/** A key id derived from the key: the first 8 bytes of BLAKE2b(key), base64url. */
export function deriveKid(lib: Sodium, material: Uint8Array): string {
  return toBase64(lib, lib.crypto_generichash(8, material, null));
}
