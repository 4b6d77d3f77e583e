import { decisionOf, emissionInterval } from './internal/gcra.js';
import type {
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from './rate-limit-store.interface.js';

/** Options of {@link MemoryRateLimitStore}. */
export interface MemoryStoreOptions {
  /**
   * The most keys kept. When full, the least recently used key is dropped; a dropped key
   * starts again with a full quota, so size it above the number of clients active per window.
   * @default 100000
   */
  maxKeys?: number;
  /**
   * The clock, in milliseconds since the epoch. Inject one in tests.
   * @default Date.now
   */
  clock?: () => number;
}

/**
 * The in-process store: GCRA state in typed arrays, one slot per key, with an LRU list
 * threaded through the slots. Memory is fixed at construction; there is no timer at all: a
 * key whose theoretical arrival time has passed is treated as absent (lazy expiry) and its
 * slot is the first to be reused.
 *
 * @example
 * ```ts
 * const store = new MemoryRateLimitStore({ maxKeys: 10_000 });
 * store.consume('alice', { limit: 10, windowMs: 60_000 }, 1).allowed; // true
 * ```
 */
export class MemoryRateLimitStore implements RateLimitStore {
  /** The capacity, in keys. */
  readonly maxKeys: number;
  private readonly clock: () => number;
  private readonly slots = new Map<string, number>();
  private readonly keys: (string | undefined)[];
  private readonly tats: Float64Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1;
  private tail = -1;
  private used = 0;

  constructor(options: MemoryStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1 || maxKeys > 16_777_216) {
      throw new RangeError('maxKeys must be an integer from 1 to 16777216');
    }
    this.maxKeys = maxKeys;
    this.clock = options.clock ?? Date.now;
    this.keys = new Array<string | undefined>(maxKeys);
    this.tats = new Float64Array(maxKeys);
    this.prev = new Int32Array(maxKeys);
    this.next = new Int32Array(maxKeys);
  }

  /** Keys held right now, expired ones included until their slot is reused. Never above `maxKeys`. */
  get size(): number {
    return this.slots.size;
  }

  consume(key: string, rule: RateLimitRule, cost: number): RateLimitDecision {
    return this.step(key, rule, cost);
  }

  peek(key: string, rule: RateLimitRule): RateLimitDecision {
    return this.step(key, rule, 0);
  }

  /** Drops every key. */
  clear(): void {
    this.slots.clear();
    this.keys.fill(undefined);
    this.head = -1;
    this.tail = -1;
    this.used = 0;
  }

  // GCRA as in `internal/gcra.ts`, inlined: this is the hot path of every request.
  private step(key: string, rule: RateLimitRule, cost: number): RateLimitDecision {
    const nowUs = Math.floor(this.clock() * 1000);
    const { limit, windowMs } = rule;
    const windowUs = windowMs * 1000;
    const emission = emissionInterval(limit, windowMs);
    const slot = this.slots.get(key);
    let tat = nowUs;
    if (slot !== undefined) {
      const stored = this.tats[slot] as number;
      if (stored > nowUs) tat = stored;
      this.touch(slot);
    }
    const charge = cost === 0 ? emission : cost * emission;
    const next = tat + charge;
    if (next - nowUs > windowUs) return decisionOf(false, tat - nowUs, charge, windowMs, limit);
    if (cost === 0) return decisionOf(true, tat - nowUs, charge, windowMs, limit);
    if (slot === undefined) this.insert(key, next);
    else this.tats[slot] = next;
    return decisionOf(true, next - nowUs, charge, windowMs, limit);
  }

  private insert(key: string, tat: number): void {
    let slot: number;
    if (this.used < this.maxKeys) {
      slot = this.used;
      this.used += 1;
    } else {
      slot = this.tail;
      this.unlink(slot);
      this.slots.delete(this.keys[slot] as string);
    }
    this.keys[slot] = key;
    this.tats[slot] = tat;
    this.slots.set(key, slot);
    this.linkFront(slot);
  }

  private touch(slot: number): void {
    if (slot === this.head) return;
    this.unlink(slot);
    this.linkFront(slot);
  }

  private unlink(slot: number): void {
    const before = this.prev[slot] as number;
    const after = this.next[slot] as number;
    if (before === -1) this.head = after;
    else this.next[before] = after;
    if (after === -1) this.tail = before;
    else this.prev[after] = before;
  }

  private linkFront(slot: number): void {
    this.prev[slot] = -1;
    this.next[slot] = this.head;
    if (this.head !== -1) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === -1) this.tail = slot;
  }
}
