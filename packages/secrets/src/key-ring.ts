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

/** Prefix of a sealed value: `sealed:v1:<kid>:<base64url(crypto_box_seal output)>`. */
export const SEALED_PREFIX = 'sealed:v1:';

const SEALED_PATTERN = /^sealed:v1:([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9_-]+)$/;
const SEALED_IN_TEXT = /sealed:v1:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_-]+/g;

/**
 * A freshly generated sealing key pair, as the text lines a key-ring file holds. It prints and
 * serializes as its key id and public key only.
 */
export interface GeneratedSealKey {
  /** The key id: the one given, or derived from the public key. */
  kid: string;
  /** `bulwark-seal-key:v1:<kid>:<base64url>`: the private key. Store it as a secret. */
  secretKey: string;
  /** `bulwark-seal-pub:v1:<kid>:<base64url>`: the public key. Safe to commit; it can only seal. */
  publicKey: string;
}

/**
 * Generates an X25519 key pair for sealed values.
 *
 * @param options.kid - key id to embed; @default derived from the public key (11 characters)
 * @example
 * ```ts
 * const { secretKey, publicKey } = await generateSealKey({ kid: '2026-01' });
 * ```
 */
export async function generateSealKey(options: { kid?: string } = {}): Promise<GeneratedSealKey> {
  const lib = await loadSodium();
  const pair = lib.crypto_box_keypair();
  try {
    const kid = options.kid ?? deriveKid(lib, pair.publicKey);
    assertKid(kid);
    const publicKey = formatKeyLine('bulwark-seal-pub', kid, toBase64(lib, pair.publicKey));
    return redactObject(
      {
        kid,
        secretKey: formatKeyLine('bulwark-seal-key', kid, toBase64(lib, pair.privateKey)),
        publicKey,
      },
      'GeneratedSealKey',
      () => ({ kid, publicKey, secretKey: REDACTED_SUMMARY }),
    );
  } finally {
    lib.memzero(pair.privateKey);
  }
}

interface RingKey {
  kid: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array | undefined;
}

/**
 * A ring of sealing keys, newest first. The newest key seals; any listed key unseals. Sealed
 * values carry the key id, so rotating means adding a key at the top, re-sealing, and later
 * dropping the old key.
 *
 * The ring text holds one key per line (`bulwark-seal-key:v1:…` or, for a ring that only seals,
 * `bulwark-seal-pub:v1:…`); blank lines and `#` comments are ignored. A ring prints and
 * serializes as its key ids only.
 *
 * @example
 * ```ts
 * const ring = await KeyRing.parse(await readFile('/run/secrets/seal-keys', 'utf8'));
 * const sealed = ring.seal('redis://:hunter2@redis:6379');
 * const plain = ring.unsealString(sealed);
 * ```
 */
export class KeyRing {
  private constructor(
    private readonly lib: Sodium,
    private readonly keys: RingKey[],
  ) {}

  /**
   * Parses key-ring text. Throws `SecretsError` (`SECRETS_MALFORMED`, `SECRETS_INVALID_KEY`);
   * on an error, every key already decoded from the text is wiped, not only the failing one.
   */
  static async parse(text: string): Promise<KeyRing> {
    const lib = await loadSodium();
    const lines = parseKeyLines(lib, text, ['bulwark-seal-key', 'bulwark-seal-pub']);
    try {
      const keys = lines.map((line): RingKey => {
        const expected =
          line.kind === 'bulwark-seal-key'
            ? lib.crypto_box_SECRETKEYBYTES
            : lib.crypto_box_PUBLICKEYBYTES;
        if (line.bytes.length !== expected) {
          throw new SecretsError(
            'SECRETS_INVALID_KEY',
            `key ring line ${line.line} ("${line.kid}") is ${line.bytes.length} bytes, expected ${expected}`,
          );
        }
        if (line.kind === 'bulwark-seal-pub') {
          return { kid: line.kid, publicKey: line.bytes, privateKey: undefined };
        }
        return {
          kid: line.kid,
          publicKey: lib.crypto_scalarmult_base(line.bytes),
          privateKey: line.bytes,
        };
      });
      return new KeyRing(lib, keys);
    } catch (error) {
      for (const line of lines) lib.memzero(line.bytes);
      throw error;
    }
  }

  /** Whether `value` looks like a sealed value (`sealed:v1:…`). */
  static isSealed(value: string): boolean {
    return SEALED_PATTERN.test(value.trim());
  }

  /** The key id that seals: the first key in the ring. */
  get currentKid(): string {
    return this.newest().kid;
  }

  /** Every key id in the ring, newest first. */
  get kids(): string[] {
    return this.keys.map((key) => key.kid);
  }

  /** Seals `plaintext` for the newest key: `sealed:v1:<kid>:<base64url>`. */
  seal(plaintext: string | Uint8Array): string {
    const key = this.newest();
    const box = this.lib.crypto_box_seal(toBytes(plaintext), key.publicKey);
    return `${SEALED_PREFIX}${key.kid}:${toBase64(this.lib, box)}`;
  }

  /** Unseals to bytes; wipe them with `memzero` when done. */
  unseal(sealed: string): Uint8Array {
    const { kid, box } = this.split(sealed);
    const key = this.keys.find((candidate) => candidate.kid === kid);
    if (!key) {
      throw new SecretsError(
        'SECRETS_UNKNOWN_KEY',
        `the value was sealed for key "${kid}", which is not in the key ring (${this.kids.join(', ')})`,
      );
    }
    if (!key.privateKey) {
      throw new SecretsError(
        'SECRETS_UNKNOWN_KEY',
        `key "${kid}" is in the key ring as a public key only, so it cannot unseal`,
      );
    }
    try {
      // crypto_box_seal_open authenticates before it returns anything (Poly1305), so a
      // failure never yields partial plaintext.
      return this.lib.crypto_box_seal_open(box, key.publicKey, key.privateKey);
    } catch (cause) {
      throw new SecretsError(
        'SECRETS_DECRYPT_FAILED',
        `the value sealed for key "${kid}" could not be unsealed: it was tampered with or sealed for a different key`,
        { cause },
      );
    } finally {
      this.lib.memzero(box);
    }
  }

  /** Unseals to a UTF-8 string. */
  unsealString(sealed: string): string {
    return bytesToStringAndWipe(this.lib, this.unseal(sealed));
  }

  /**
   * Re-seals a value for the newest key. A value already sealed for the newest key is
   * returned unchanged, so re-sealing a committed file only changes the lines that need it.
   */
  reseal(sealed: string): string {
    const { kid } = this.split(sealed);
    if (kid === this.currentKid) return sealed.trim();
    const plaintext = this.unseal(sealed);
    try {
      return this.seal(plaintext);
    } finally {
      this.lib.memzero(plaintext);
    }
  }

  /** Re-seals every `sealed:v1:…` token in a text (an env file, YAML), leaving the rest as is. */
  resealText(text: string): { text: string; resealed: number } {
    let resealed = 0;
    const output = text.replace(SEALED_IN_TEXT, (token) => {
      const next = this.reseal(token);
      if (next !== token) resealed += 1;
      return next;
    });
    return { text: output, resealed };
  }

  /** Wipes the private keys. The ring cannot unseal afterwards. */
  destroy(): void {
    for (const key of this.keys) {
      if (key.privateKey) this.lib.memzero(key.privateKey);
      key.privateKey = undefined;
    }
  }

  /** What `util.inspect` and `console.log` show: key ids, never key material. */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `KeyRing ${format(this.toJSON(), options)}`;
  }

  /** What `JSON.stringify` writes: key ids, never key material. */
  toJSON(): Record<string, unknown> {
    return {
      type: 'KeyRing',
      kids: this.kids,
      privateKeys: this.keys.filter((key) => key.privateKey !== undefined).length,
    };
  }

  private newest(): RingKey {
    const key = this.keys[0];
    if (!key) throw new SecretsError('SECRETS_INVALID_KEY', 'the key ring holds no key');
    return key;
  }

  private split(sealed: string): { kid: string; box: Uint8Array } {
    const match = SEALED_PATTERN.exec(sealed.trim());
    if (!match) {
      throw new SecretsError(
        'SECRETS_MALFORMED',
        'the value is not a sealed value (expected sealed:v1:<kid>:<base64url>)',
      );
    }
    const kid = match[1] ?? '';
    const box = fromBase64(this.lib, match[2] ?? '', `the value sealed for key "${kid}"`);
    if (box.length < this.lib.crypto_box_SEALBYTES) {
      throw new SecretsError(
        'SECRETS_DECRYPT_FAILED',
        `the value sealed for key "${kid}" is too short to be a sealed box`,
      );
    }
    return { kid, box };
  }
}
