import { createRequire } from 'node:module';
import { type InspectOptions, inspect } from 'node:util';
import type { ReadinessCheck, ReadinessResult, ShutdownHandler } from '@bulwark/core/lifecycle';
import { ReadinessIndicator, ShutdownHook } from '@bulwark/core/lifecycle';
import { Inject, Injectable, Logger, type OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { decisionOf, emissionInterval } from './internal/gcra.js';
import { inspectAs, redisLabel } from './internal/redacted.js';
import { GCRA_SCRIPT, GCRA_SCRIPT_SHA, redisKey } from './internal/redis-script.js';
import { integer } from './internal/resolve-options.js';
import type {
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from './rate-limit-store.interface.js';

/** The injection token of {@link RedisStoreOptions} inside the module. */
export const REDIS_STORE_OPTIONS = 'BULWARK_RATE_LIMIT:REDIS_STORE_OPTIONS';

const require = createRequire(import.meta.url);

/** A decision waiting for Redis. */
interface Waiting {
  /** `performance.now()` after which it fails. */
  deadline: number;
  reject: (error: Error) => void;
}
/** Options of {@link RedisRateLimitStore}. */
export interface RedisStoreOptions {
  /**
   * A `redis://` / `rediss://` URL (the store owns and closes the connection), or an ioredis
   * `Redis` or `Cluster` client you own (the store never closes it). Without it the store is
   * inert and reports ready.
   */
  redis?: string | Redis | Cluster | undefined;
  /**
   * Prefix of every key.
   * @default 'bulwark:rl:'
   */
  keyPrefix?: string;
  /**
   * How long one decision may wait for Redis before the failure mode applies, in ms (checked
   * about every tenth of it), with a client the store made or one you pass.
   * @default 500
   */
  timeoutMs?: number;
}

/**
 * The shared store: one atomic GCRA Lua script per decision, run with `EVALSHA` (falling back
 * to `EVAL` on `NOSCRIPT`, as after a Redis restart), on Redis's own clock, with a TTL on
 * every key. It is also the `redis` readiness indicator: not ready while Redis is unreachable.
 * ioredis reconnects on its own, so readiness and decisions recover without a restart.
 *
 * @example
 * ```ts
 * const store = new RedisRateLimitStore({ redis: 'redis://127.0.0.1:6379' });
 * await store.consume('alice', { limit: 10, windowMs: 60_000 }, 1);
 * ```
 */
@ReadinessIndicator('redis')
@ShutdownHook('redis')
@Injectable()
export class RedisRateLimitStore
  implements RateLimitStore, ReadinessCheck, ShutdownHandler, OnApplicationShutdown
{
  /** The client, or `undefined` when the store is inert. */
  readonly client: Redis | Cluster | undefined;
  private readonly owned: boolean;
  private readonly prefix: string;
  private readonly logger = new Logger('RateLimit');
  private readonly timeoutMs: number;
  /** Decisions waiting for Redis; one sweep timer fails those past their deadline. */
  private readonly waiting = new Set<Waiting>();
  private sweeper: NodeJS.Timeout | undefined;
  private up = false;
  private everUp = false;
  private closing = false;
  /** The URL without its password, or that a client was given. */
  private readonly label: string | undefined;

  /** @throws BulwarkConfigError when `timeoutMs` is not an integer from 1 to 60,000. */
  constructor(@Optional() @Inject(REDIS_STORE_OPTIONS) options: RedisStoreOptions = {}) {
    this.label = redisLabel(options.redis);
    this.prefix = options.keyPrefix ?? 'bulwark:rl:';
    const timeoutMs = integer('timeoutMs', options.timeoutMs ?? 500, 1, 60_000);
    this.timeoutMs = timeoutMs;
    if (typeof options.redis === 'string') {
      this.owned = true;
      // Loaded only when the store makes its own client: a service on the memory store never
      // loads ioredis (about 40 files of its start-up).
      const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
      this.client = new RedisClient(options.redis, {
        // Fail fast while disconnected instead of queueing: the failure mode answers instead.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        // No auto-pipelining and no commandTimeout: pipelining made 50 concurrent callers wait
        // for each other's batch (0.7-0.8x rate-limiter-flexible's decisions/s, measured), and
        // commandTimeout arms a timer per command. The deadline is the store's own (bounded).
        connectTimeout: Math.max(timeoutMs, 2000),
        retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      });
    } else {
      this.owned = false;
      this.client = options.redis;
    }
    if (this.client) {
      this.up = this.client.status === 'ready';
      this.client.on('ready', () => {
        this.transition(true);
        // Load the script up front, so the first burst after a (re)start needs no EVAL.
        this.client?.script('LOAD', GCRA_SCRIPT).catch(() => undefined);
      });
      this.client.on('close', () => this.transition(false));
      // Without a listener, ioredis's connection errors would crash the process.
      this.client.on('error', () => this.transition(false));
    }
  }

  /**
   * Prints as a summary (`console.log`, `util.inspect`, a test runner's diff): the Redis URL
   * without its password, never the client and its connection options.
   */
  [inspect.custom](_depth: number, options: InspectOptions, format?: typeof inspect): string {
    return inspectAs('RedisRateLimitStore', this.toJSON(), options, format);
  }

  /** Serializes (`JSON.stringify`, a logger) as the same summary. */
  toJSON(): Record<string, unknown> {
    return {
      type: 'RedisRateLimitStore',
      redis: this.label,
      keyPrefix: this.prefix,
      timeoutMs: this.timeoutMs,
      status: this.client?.status ?? 'inert',
    };
  }

  available(): boolean {
    return this.client !== undefined && this.client.status === 'ready';
  }

  readiness(): ReadinessResult {
    if (!this.client) return { ready: true, detail: 'no Redis configured' };
    return this.available()
      ? { ready: true }
      : { ready: false, detail: `Redis is ${this.client.status}` };
  }

  consume(key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision> {
    return this.run(key, rule, cost);
  }

  peek(key: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    return this.run(key, rule, 0);
  }

  /** Closes the connection the store owns; called by `@bulwark/shutdown` after the drain. */
  onShutdown(): Promise<void> {
    this.closed ??= this.close();
    return this.closed;
  }

  /** Closes the connection the store owns when Nest's `app.close()` runs. */
  onApplicationShutdown(): Promise<void> {
    return this.onShutdown();
  }

  private closed: Promise<void> | undefined;

  private async close(): Promise<void> {
    const client = this.client;
    if (!client || !this.owned || client.status === 'end') return;
    this.closing = true;
    if (client.status !== 'ready') {
      // Not connected (connecting, or waiting to reconnect while Redis is down): QUIT would
      // wait for a connection that may never come, and ioredis emits no 'end' for a socket
      // that is already closed, so waiting for it would hold the shutdown until its timeout.
      client.disconnect();
      return;
    }
    const ended = new Promise((resolve) => client.once('end', resolve));
    try {
      await client.quit();
    } catch {
      // Not connected: stop the reconnection loop instead.
      client.disconnect();
    }
    await ended;
  }

  private run(key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('no Redis configured'));
    return this.bounded(this.decide(client, key, rule, cost));
  }

  private async decide(
    client: Redis | Cluster,
    key: string,
    rule: RateLimitRule,
    cost: number,
  ): Promise<RateLimitDecision> {
    const charge = emissionInterval(rule.limit, rule.windowMs) * Math.max(cost, 1);
    const args = [redisKey(this.prefix, key), charge, rule.windowMs * 1000, cost === 0 ? 1 : 0];
    let reply: unknown;
    try {
      reply = await client.evalsha(GCRA_SCRIPT_SHA, 1, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      reply = await client.eval(GCRA_SCRIPT, 1, ...args);
    }
    const [allowed, offsetUs] = reply as [number, number];
    return decisionOf(allowed === 1, offsetUs, charge, rule.windowMs, rule.limit);
  }

  /**
   * `work`, failed once it has waited `timeoutMs` (the limiter's failure mode then answers),
   * whoever owns the client. One sweep timer serves every waiting decision.
   */
  private bounded<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = { deadline: performance.now() + this.timeoutMs, reject };
      this.waiting.add(entry);
      this.sweeper ??= setInterval(() => this.sweep(), Math.ceil(this.timeoutMs / 10)).unref();
      work.then(
        (value) => {
          this.waiting.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.waiting.delete(entry);
          reject(error);
        },
      );
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.waiting) {
      if (entry.deadline > now) continue;
      this.waiting.delete(entry);
      entry.reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`));
    }
    if (this.waiting.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private transition(up: boolean): void {
    if (up === this.up || this.closing) return;
    this.up = up;
    if (up && this.everUp) this.logger.log('Redis is reachable again: shared rate limits are back');
    if (!up) this.logger.warn('Redis is unreachable: the rate-limit failure mode applies');
    this.everUp ||= up;
  }
}
