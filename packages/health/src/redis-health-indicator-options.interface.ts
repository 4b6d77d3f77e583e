/** Something that answers a Redis PING, such as an ioredis or node-redis client. */
export interface RedisPingable {
  /** Resolves to `PONG` when the server answers. */
  ping(): Promise<unknown>;
}

/**
 * Where the Redis readiness check sends its PING: a `redis://` or `rediss://` URL (a short
 * connection per check, so the check never shares a broken pooled connection), or a client the
 * app already has.
 *
 * @example
 * ```ts
 * { url: 'redis://:secret@redis.internal:6379' }
 * { client: new Redis(process.env.REDIS_URL) }
 * ```
 */
export type RedisHealthIndicatorOptions =
  | {
      /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…` for TLS. */
      url: string;
      client?: never;
    }
  | {
      /** A connected client; only its `ping()` is called. */
      client: RedisPingable;
      url?: never;
    };
