import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { MessagingLogEntry } from '../messaging-options.interface.js';

/** Remembers handled message keys, so a replay is dropped. */
export interface DedupeStore {
  has(key: string): Promise<boolean>;
  add(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A bounded set in memory, oldest forgotten first: one process only. */
export class MemoryDedupe implements DedupeStore {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity: number) {}
  async has(key: string): Promise<boolean> {
    return this.seen.has(key);
  }
  async add(key: string): Promise<void> {
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value as string;
      this.seen.delete(oldest);
    }
  }
  async close(): Promise<void> {}
}

const PREFIX = 'bulwark:messaging:handled:';

/**
 * Shared by every replica through Redis. A key lives for the maximum message age (plus the clock
 * tolerance): an older message is refused as expired anyway, so the store stays bounded. While
 * Redis is unreachable, the in-memory set answers, so consumption goes on.
 */
export class RedisDedupe implements DedupeStore {
  private readonly redis: Redis;
  private readonly memory: MemoryDedupe;
  private degraded = false;

  constructor(
    url: string,
    private readonly ttlSeconds: number,
    capacity: number,
    private readonly log: (entry: MessagingLogEntry) => void,
  ) {
    const require = createRequire(import.meta.url);
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
    });
    // Without a listener, ioredis's connection errors would crash the process.
    this.redis.on('error', () => {});
    this.memory = new MemoryDedupe(capacity);
  }

  private fallback(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.log({
      level: 'warn',
      msg: 'the idempotency store in Redis is unreachable; replays are detected in this process only',
      error: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
    });
  }

  async has(key: string): Promise<boolean> {
    if (await this.memory.has(key)) return true;
    try {
      const found = (await this.redis.exists(PREFIX + key)) === 1;
      this.degraded = false;
      return found;
    } catch (error) {
      this.fallback(error);
      return false;
    }
  }

  async add(key: string): Promise<void> {
    await this.memory.add(key);
    try {
      await this.redis.set(PREFIX + key, '1', 'EX', this.ttlSeconds);
    } catch (error) {
      this.fallback(error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
