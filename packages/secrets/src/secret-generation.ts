import { loadSodium, toBase64 } from './internal/sodium.js';
import { SecretsError } from './secrets.error.js';

/** Letters and digits: safe in URLs, connection strings and shells without quoting. */
export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Symbols added by `symbols: true`: none of them needs quoting in a URL userinfo or YAML. */
export const PASSWORD_SYMBOLS = '-_.~!*+=';

const MIN_BITS = 64;
const MAX_BITS = 2048;

function checkBits(bits: number): void {
  if (!Number.isSafeInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
    throw new SecretsError(
      'SECRETS_INVALID_INPUT',
      `bits must be an integer from ${MIN_BITS} to ${MAX_BITS}`,
    );
  }
}

/** Options of `generatePassword`. */
export interface GeneratePasswordOptions {
  /** Entropy in bits; the length follows from the alphabet. @default 128 */
  bits?: number;
  /** Add the symbols `-_.~!*+=` to the default alphabet. @default false */
  symbols?: boolean;
  /** Characters to draw from (unique, 2 to 256). @default A-Z, a-z and 0-9 */
  alphabet?: string;
}

/**
 * A random password from the CSPRNG with at least `bits` of entropy, each character drawn
 * uniformly (`randombytes_uniform`, no modulo bias).
 *
 * @example
 * ```ts
 * generatePassword(); // 22 letters and digits, 128 bits
 * generatePassword({ bits: 256, symbols: true });
 * ```
 */
export async function generatePassword(options: GeneratePasswordOptions = {}): Promise<string> {
  const bits = options.bits ?? 128;
  checkBits(bits);
  const alphabet = [
    ...new Set(options.alphabet ?? ALPHANUMERIC + (options.symbols ? PASSWORD_SYMBOLS : '')),
  ];
  if (alphabet.length < 2 || alphabet.length > 256) {
    throw new SecretsError(
      'SECRETS_INVALID_INPUT',
      'alphabet must hold 2 to 256 distinct characters',
    );
  }
  const length = Math.ceil(bits / Math.log2(alphabet.length));
  const lib = await loadSodium();
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[lib.randombytes_uniform(alphabet.length)];
  return out;
}

/** Options of `generateApiKey`. */
export interface GenerateApiKeyOptions {
  /** Entropy in bits, a multiple of 8. @default 256 */
  bits?: number;
  /**
   * A prefix such as `bk_live`, which makes leaked keys easy to find with secret scanners.
   * Letters, digits and `_`, up to 32 characters. @default none
   */
  prefix?: string;
}

/**
 * A random API key from the CSPRNG: `<prefix>_<base64url>` (or just the base64url part).
 *
 * @example
 * ```ts
 * await generateApiKey({ prefix: 'bk_live' }); // bk_live_Qm9…
 * ```
 */
export async function generateApiKey(options: GenerateApiKeyOptions = {}): Promise<string> {
  const bits = options.bits ?? 256;
  checkBits(bits);
  if (bits % 8 !== 0)
    throw new SecretsError('SECRETS_INVALID_INPUT', 'bits must be a multiple of 8');
  if (options.prefix !== undefined && !/^[A-Za-z0-9_]{1,32}$/.test(options.prefix)) {
    throw new SecretsError(
      'SECRETS_INVALID_INPUT',
      'prefix must be 1 to 32 letters, digits or "_"',
    );
  }
  const lib = await loadSodium();
  const bytes = lib.randombytes_buf(bits / 8);
  try {
    const body = toBase64(lib, bytes);
    return options.prefix ? `${options.prefix}_${body}` : body;
  } finally {
    lib.memzero(bytes);
  }
}
