import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Random bytes drawn 4 KiB at a time (as `crypto.randomUUID` does), 10 per id. */
const pool = Buffer.alloc(4096);
let used = pool.length;
/** The last id's bytes, before the version and variant bits are set; its random part is bytes 6–15. */
const last = new Uint8Array(16);
let lastMs = 0;

/**
 * A new note id: a UUID version 7 (RFC 9562), whose first 48 bits are the time in milliseconds.
 * Ids sort in creation order, so keyset pagination on `id` lists notes oldest first; within one
 * millisecond the random part of the previous id is incremented, so they stay ordered. The other
 * 74 bits are random, so ids cannot be guessed.
 */
export function newNoteId(now = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    incrementRandom(last);
  } else {
    if (used + 10 > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    // 74 random bits: 4 of rand_a's high byte, 8, then 6 of rand_b's high byte and 56.
    last[6] = (pool[used] as number) & 0x0f;
    last[7] = pool[used + 1] as number;
    last[8] = (pool[used + 2] as number) & 0x3f;
    for (let i = 9; i < 16; i++) last[i] = pool[used + i - 6] as number;
    used += 10;
  }
  lastMs = ms;
  const high = Math.floor(ms / 2 ** 32);
  const low = ms % 2 ** 32;
  last[0] = (high >>> 8) & 0xff;
  last[1] = high & 0xff;
  last[2] = low >>> 24;
  last[3] = (low >>> 16) & 0xff;
  last[4] = (low >>> 8) & 0xff;
  last[5] = low & 0xff;
  const hex = (i: number) => HEX[last[i] as number] as string;
  return (
    `${hex(0)}${hex(1)}${hex(2)}${hex(3)}-${hex(4)}${hex(5)}-` +
    `${HEX[0x70 | (last[6] as number)]}${hex(7)}-${HEX[0x80 | (last[8] as number)]}${hex(9)}-` +
    `${hex(10)}${hex(11)}${hex(12)}${hex(13)}${hex(14)}${hex(15)}`
  );
}

/** Adds one to the 74-bit random part (bytes 6–15 without the version and variant bits). */
function incrementRandom(bytes: Uint8Array): void {
  for (let i = 15; i >= 9; i--) {
    bytes[i] = ((bytes[i] as number) + 1) & 0xff;
    if (bytes[i] !== 0) return;
  }
  bytes[8] = ((bytes[8] as number) + 1) & 0x3f;
  if (bytes[8] !== 0) return;
  bytes[7] = ((bytes[7] as number) + 1) & 0xff;
  if (bytes[7] !== 0) return;
  bytes[6] = ((bytes[6] as number) + 1) & 0x0f;
}

/** Whether `value` has the shape of a note id (any UUID), before it reaches a query. */
export function isNoteId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
