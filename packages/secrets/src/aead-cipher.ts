import { type InspectOptions, inspect } from 'node:util';
import { formatKeyLine, parseKeyLines } from './internal/key-text.js';
import { REDACTED_SUMMARY, redactObject } from './internal/redacted.js';
import {
  assertKid,
  bytesToStringAndWipe,
  deriveKid,
  fromBase64,
  loadSodium,
  type Sodium,
  toBase64,
  toBytes,
} from './internal/sodium.js';
import { SecretsError } from './secrets.error.js';

/** Prefix of an AEAD value: `aead:v1:<kid>:<base64url(nonce || ciphertext || tag)>`. */
export const AEAD_PREFIX = 'aead:v1:';

const AEAD_PATTERN = /^aead:v1:([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9_-]+)$/;

/**
 * Generates a 256-bit XChaCha20-Poly1305 key as a key-ring line
 * (`bulwark-aead-key:v1:<kid>:<base64url>`). The result prints and serializes as its key id only.
 *
 * @param options.kid - key id to embed; @default derived from the key (11 characters)
 * @example
 * ```ts
 * const { kid, key } = await generateAeadKey();
 * ```
 */
export async function generateAeadKey(
  options: { kid?: string } = {},
): Promise<{ kid: string; key: string }> {
  const lib = await loadSodium();
  const bytes = lib.crypto_aead_xchacha20poly1305_ietf_keygen();
  try {
    const kid = options.kid ?? deriveKid(lib, bytes);
    assertKid(kid);
    return redactObject(
      { kid, key: formatKeyLine('bulwark-aead-key', kid, toBase64(lib, bytes)) },
      'GeneratedAeadKey',
      () => ({ kid, key: REDACTED_SUMMARY }),
    );
  } finally {
    lib.memzero(bytes);
  }
}

interface AeadKey {
  kid: string;
  key: Uint8Array;
}

/**
 * Authenticated encryption of application data with XChaCha20-Poly1305 (IETF), with a key
 * ring: the newest key encrypts, any listed key decrypts. The 192-bit nonce is random per
 * message, which is safe at any realistic volume (unlike 96-bit nonces).
 *
 * Associated data is authenticated but not encrypted: bind a ciphertext to its context (a row
 * id, a tenant) so that it cannot be swapped into another record. A cipher prints and
 * serializes as its key ids only.
 *
 * @example
 * ```ts
 * const cipher = await AeadCipher.parse(await readFile('/run/secrets/data-keys', 'utf8'));
 * const stored = cipher.encrypt(card.number, `card:${card.id}`);
 * const number = cipher.decryptString(stored, `card:${card.id}`);
 * ```
 */
export class AeadCipher {
  private constructor(
    private readonly lib: Sodium,
    private readonly keys: AeadKey[],
  ) {}

  /** Parses key-ring text of `bulwark-aead-key:v1:…` lines, newest first. */
  static async parse(text: string): Promise<AeadCipher> {
    const lib = await loadSodium();
    const lines = parseKeyLines(lib, text, ['bulwark-aead-key']);
    for (const line of lines) {
      if (line.bytes.length !== lib.crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
        for (const other of lines) lib.memzero(other.bytes);
        throw new SecretsError(
          'SECRETS_INVALID_KEY',
          `key ring line ${line.line} ("${line.kid}") is not a 32-byte key`,
        );
      }
    }
    return new AeadCipher(
      lib,
      lines.map((line) => ({ kid: line.kid, key: line.bytes })),
    );
  }

  /** Whether `value` looks like an AEAD value (`aead:v1:…`). */
  static isEncrypted(value: string): boolean {
    return AEAD_PATTERN.test(value.trim());
  }

  /** The key id that encrypts: the first key in the ring. */
  get currentKid(): string {
    return this.newest().kid;
  }

  /** Whether the ring holds key `kid`. */
  has(kid: string): boolean {
    return this.keys.some((key) => key.kid === kid);
  }

  /** Encrypts with the newest key: `aead:v1:<kid>:<base64url>`. */
  encrypt(plaintext: string | Uint8Array, associatedData?: string | Uint8Array): string {
    const key = this.newest();
    const nonce = this.lib.randombytes_buf(this.lib.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const sealed = this.lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
      toBytes(plaintext),
      associatedData === undefined ? null : toBytes(associatedData),
      null,
      nonce,
      key.key,
    );
    const out = new Uint8Array(nonce.length + sealed.length);
    out.set(nonce);
    out.set(sealed, nonce.length);
    return `${AEAD_PREFIX}${key.kid}:${toBase64(this.lib, out)}`;
  }

  /**
   * Decrypts to bytes; wipe them with `memzero` when done. The associated data must equal the
   * one given to `encrypt`, or `SECRETS_DECRYPT_FAILED` is thrown.
   */
  decrypt(value: string, associatedData?: string | Uint8Array): Uint8Array {
    const match = AEAD_PATTERN.exec(value.trim());
    if (!match) {
      throw new SecretsError(
        'SECRETS_MALFORMED',
        'the value is not an AEAD value (expected aead:v1:<kid>:<base64url>)',
      );
    }
    const kid = match[1] ?? '';
    const key = this.keys.find((candidate) => candidate.kid === kid);
    if (!key) {
      throw new SecretsError(
        'SECRETS_UNKNOWN_KEY',
        `the value was encrypted with key "${kid}", which is not in the key ring (${this.keys.map((k) => k.kid).join(', ')})`,
      );
    }
    const bytes = fromBase64(this.lib, match[2] ?? '', `the value encrypted with key "${kid}"`);
    const nonceBytes = this.lib.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (bytes.length < nonceBytes + this.lib.crypto_aead_xchacha20poly1305_ietf_ABYTES) {
      throw new SecretsError(
        'SECRETS_DECRYPT_FAILED',
        `the value encrypted with key "${kid}" is too short to hold a nonce and a tag`,
      );
    }
    try {
      // The tag is verified before any plaintext is released, so a failure yields nothing.
      return this.lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        null,
        bytes.subarray(nonceBytes),
        associatedData === undefined ? null : toBytes(associatedData),
        bytes.subarray(0, nonceBytes),
        key.key,
      );
    } catch (cause) {
      throw new SecretsError(
        'SECRETS_DECRYPT_FAILED',
        `the value encrypted with key "${kid}" could not be decrypted: it was tampered with, or the associated data differs`,
        { cause },
      );
    }
  }

  /** Decrypts to a UTF-8 string. */
  decryptString(value: string, associatedData?: string | Uint8Array): string {
    return bytesToStringAndWipe(this.lib, this.decrypt(value, associatedData));
  }

  /** Re-encrypts a value with the newest key; unchanged when it already uses it. */
  reencrypt(value: string, associatedData?: string | Uint8Array): string {
    const match = AEAD_PATTERN.exec(value.trim());
    if (match?.[1] === this.currentKid) return value.trim();
    const plaintext = this.decrypt(value, associatedData);
    try {
      return this.encrypt(plaintext, associatedData);
    } finally {
      this.lib.memzero(plaintext);
    }
  }

  /** Wipes the keys. The cipher cannot be used afterwards. */
  destroy(): void {
    for (const key of this.keys) this.lib.memzero(key.key);
    this.keys.length = 0;
  }

  /** What `util.inspect` and `console.log` show: key ids, never key material. */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `AeadCipher ${format(this.toJSON(), options)}`;
  }

  /** What `JSON.stringify` writes: key ids, never key material. */
  toJSON(): Record<string, unknown> {
    return { type: 'AeadCipher', kids: this.keys.map((key) => key.kid) };
  }

  private newest(): AeadKey {
    const key = this.keys[0];
    if (!key) throw new SecretsError('SECRETS_INVALID_KEY', 'the key ring holds no key');
    return key;
  }
}
