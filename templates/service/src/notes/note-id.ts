import { randomBytes } from 'node:crypto';

let lastMs = 0;
let lastRandom = 0n;
const RANDOM_BITS = 74n;
const RANDOM_MASK = (1n << RANDOM_BITS) - 1n;

/**
 * A new note id: a UUID version 7 (RFC 9562), whose first 48 bits are the time in milliseconds.
 * Ids sort in creation order, so keyset pagination on `id` lists notes oldest first; within one
 * millisecond the random part is incremented, so they stay ordered. The rest is random, so ids
 * cannot be guessed.
 */
export function newNoteId(now = Date.now()): string {
  let ms = now;
  let random = BigInt(`0x${randomBytes(10).toString('hex')}`) & RANDOM_MASK;
  if (ms <= lastMs) {
    ms = lastMs;
    random = (lastRandom + 1n) & RANDOM_MASK;
  }
  lastMs = ms;
  lastRandom = random;
  const high = BigInt(ms) << 80n;
  const version = 0x7n << 76n;
  const randA = (random >> 62n) << 64n; // 12 bits
  const variant = 0b10n << 62n;
  const randB = random & ((1n << 62n) - 1n);
  const hex = (high | version | randA | variant | randB).toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether `value` has the shape of a note id (any UUID), before it reaches a query. */
export function isNoteId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
