import { createRequire } from 'node:module';
import type { Cluster, Redis } from 'ioredis';
import { AuthError } from './auth.error.js';

const require = createRequire(import.meta.url);

/**
 * Remembers the DPoP proofs already accepted (RFC 9449 §11.1), keyed by proof key thumbprint
 * and `jti`. Implement it to share the memory of proofs through another store.
 *
 * @example
 * ```ts
 * const fresh = await store.claim('jkt:jti-digest', 70); // false: seen within 70 s
 * ```
 */
export interface DpopReplayStore {
  /**
   * Records `key` for `ttlSeconds` in one atomic step. Resolves `true` when it was not recorded
   * yet (the proof is fresh) and `false` when it was (a replay). Rejects when the store cannot
   * answer: the request is then refused with 503, never accepted unchecked.
   */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  /** Releases connections the store owns. */
  close?(): Promise<void> | void;
}

function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('AUTH_DPOP_STORE_UNAVAILABLE', 'dpop_replay_store_unavailable', message, {
    cause,
  });
}

/**
 * The per-process store: a bounded map whose entries all live for the same time, so the oldest
 * entry always expires first and is swept first. When every slot holds a proof that is still
 * within its window, new proofs are refused with 503 rather than forgetting one that could be
 * replayed.
 *
 * @example
 * ```ts
 * const store = new MemoryDpopReplayStore({ maxEntries: 100_000 });
 * ```
 */
export class MemoryDpopReplayStore implements DpopReplayStore {
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly clock: () => number;

  /**
   * @param options.maxEntries proofs remembered at most. @default 200000
   * @param options.clock milliseconds since the epoch. @default Date.now
   */
  constructor(options: { maxEntries?: number; clock?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? 200_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Proofs remembered now. */
  get size(): number {
    return this.entries.size;
  }

  claim(key: string, ttlSeconds: number): Promise<boolean> {
    try {
      return Promise.resolve(this.claimNow(key, ttlSeconds));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link claim}, answered synchronously: `true` when `key` was not recorded yet.
   *
   * @throws AuthError `AUTH_DPOP_STORE_UNAVAILABLE` when every slot holds a proof still within
   * its window.
   */
  claimNow(key: string, ttlSeconds: number): boolean {
    const now = this.clock();
    for (const [oldest, expiresAt] of this.entries) {
      if (expiresAt > now) break;
      this.entries.delete(oldest);
    }
    const seen = this.entries.get(key);
    if (seen !== undefined && seen > now) return false;
    if (this.entries.size >= this.maxEntries) throw unavailable('the DPoP replay store is full');
    this.entries.set(key, now + ttlSeconds * 1000);
    return true;
  }
}

/** Options of {@link RedisDpopReplayStore}. */
export interface RedisDpopReplayStoreOptions {
  /**
   * A `redis://` / `rediss://` URL (the store owns and closes the connection), or an ioredis
   * client you own.
   */
  redis: string | Redis | Cluster;
  /**
   * Prefix of every key.
   * @default 'bulwark:dpop:'
   */
  keyPrefix?: string;
  /**
   * Longest wait for Redis, in milliseconds, before the request is refused with 503.
   * @default 500
   */
  timeoutMs?: number;
}

/**
 * The shared store: one `SET key 1 NX PX ttl` per proof, atomic in Redis, so a proof accepted by
 * one replica is refused by every other. While Redis cannot answer, claims reject (503 with
 * `Retry-After`); ioredis reconnects on its own.
 *
 * @example
 * ```ts
 * const store = new RedisDpopReplayStore({ redis: process.env.REDIS_URL! });
 * ```
 */
export class RedisDpopReplayStore implements DpopReplayStore {
  /** The client. */
  readonly client: Redis | Cluster;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readyWait: Promise<void> | undefined;

  constructor(options: RedisDpopReplayStoreOptions) {
    this.prefix = options.keyPrefix ?? 'bulwark:dpop:';
    this.timeoutMs = options.timeoutMs ?? 500;
    if (typeof options.redis === 'string') {
      this.owned = true;
      // Loaded only for a shared store: a service without REDIS_URL never loads ioredis.
      const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
      this.client = new RedisClient(options.redis, {
        // Fail fast while disconnected: a refused request is the answer, not a queue.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: Math.max(this.timeoutMs, 2000),
        retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      });
    } else {
      this.owned = false;
      this.client = options.redis;
    }
    // Without a listener, ioredis's connection errors would crash the process.
    this.client.on('error', () => undefined);
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable('the DPoP replay store did not answer in time')),
        this.timeoutMs,
      );
    });
    try {
      const status = this.client.status;
      // A lost connection answers at once; one still being opened at start-up is waited for,
      // within the same deadline.
      if (status === 'reconnecting' || status === 'end' || status === 'close') {
        throw unavailable('the DPoP replay store is disconnected');
      }
      if (status !== 'ready') await Promise.race([this.ready(), deadline]);
      const answer = await Promise.race([
        this.client.set(
          `${this.prefix}${key}`,
          '1',
          'PX',
          Math.ceil(ttlSeconds * 1000),
          'NX',
        ) as Promise<string | null>,
        deadline,
      ]);
      return answer === 'OK';
    } catch (error) {
      if (error instanceof AuthError) throw error;
      throw unavailable('the DPoP replay store could not be reached', error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One shared wait, so a burst of requests at start-up adds one listener, not one each. */
  private ready(): Promise<void> {
    this.readyWait ??= new Promise((resolve) => {
      this.client.once('ready', () => {
        this.readyWait = undefined;
        resolve();
      });
    });
    return this.readyWait;
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
