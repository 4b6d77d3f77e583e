import { SecretsError } from '../secrets.error.js';
import { assertKid, fromBase64, type Sodium } from './sodium.js';

/** The kinds of key line a key-ring file can hold. */
export type KeyKind = 'bulwark-seal-key' | 'bulwark-seal-pub' | 'bulwark-aead-key';

export interface KeyLine {
  kind: KeyKind;
  kid: string;
  bytes: Uint8Array;
  /** 1-based line number in the ring text, for error messages. */
  line: number;
}

const KINDS: readonly KeyKind[] = ['bulwark-seal-key', 'bulwark-seal-pub', 'bulwark-aead-key'];

export function formatKeyLine(kind: KeyKind, kid: string, base64: string): string {
  return `${kind}:v1:${kid}:${base64}`;
}

/**
 * Parses key-ring text: one key per line, newest first; blank lines and `#` comments are
 * skipped. Messages give the line number, never the key.
 */
export function parseKeyLines(lib: Sodium, text: string, accepted: readonly KeyKind[]): KeyLine[] {
  const keys: KeyLine[] = [];
  try {
    collectKeyLines(lib, text, accepted, keys);
  } catch (error) {
    // A later line's error must not leave the keys decoded so far in memory.
    for (const key of keys) lib.memzero(key.bytes);
    throw error;
  }
  return keys;
}

function collectKeyLines(
  lib: Sodium,
  text: string,
  accepted: readonly KeyKind[],
  keys: KeyLine[],
): void {
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const line = index + 1;
    const parts = entry.split(':');
    const kind = parts[0] as KeyKind;
    if (parts.length !== 4 || !KINDS.includes(kind) || parts[1] !== 'v1') {
      throw new SecretsError(
        'SECRETS_MALFORMED',
        `key ring line ${line} is not a key (expected ${accepted.map((k) => `${k}:v1:<kid>:<base64>`).join(' or ')})`,
      );
    }
    if (!accepted.includes(kind)) {
      throw new SecretsError(
        'SECRETS_INVALID_KEY',
        `key ring line ${line} holds a ${kind}, but this ring takes ${accepted.join(' or ')}`,
      );
    }
    const kid = parts[2] ?? '';
    try {
      assertKid(kid);
    } catch {
      throw new SecretsError('SECRETS_MALFORMED', `key ring line ${line} has an invalid key id`);
    }
    if (seen.has(kid)) {
      throw new SecretsError(
        'SECRETS_INVALID_KEY',
        `key ring line ${line} repeats key id "${kid}"`,
      );
    }
    seen.add(kid);
    keys.push({ kind, kid, bytes: fromBase64(lib, parts[3] ?? '', `key ring line ${line}`), line });
  }
  if (keys.length === 0) {
    throw new SecretsError('SECRETS_INVALID_KEY', 'the key ring holds no key');
  }
}
