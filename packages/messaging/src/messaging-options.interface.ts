import type { Environment } from '@bulwark/core/env';

/** The exchanges this service publishes to, declared on every connection when `declare` is on. */
export interface ExchangeDeclaration {
  /** The exchange name. */
  name: string;
  /**
   * The exchange type.
   * @default 'topic'
   */
  type?: 'topic' | 'direct' | 'fanout';
}

/** One JSON log line of the messaging module. It never carries a payload or a credential. */
export interface MessagingLogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

/**
 * Options of `MessagingModule.forRoot()` / `forRootAsync()`. Every option falls back to its
 * environment variable, then to its default.
 *
 * @example
 * ```ts
 * MessagingModule.forRoot({
 *   exchanges: [{ name: 'orders.events' }],
 *   producers: { 'spiffe://cluster.local/ns/orders/sa/orders': '/keys/orders.jwks.json' },
 * })
 * ```
 */
export interface MessagingModuleOptions {
  /**
   * The broker URL. In production only `amqps://` is accepted (see `allowPlaintext`). Prefer
   * `AMQP_URL_FILE` for a URL that holds a password.
   * @default `AMQP_URL`, else the content of the file `AMQP_URL_FILE`; required
   */
  url?: string;
  /**
   * Accept `amqp://` in production, for a hop a service mesh already encrypts.
   * @default `AMQP_ALLOW_PLAINTEXT`, else false
   */
  allowPlaintext?: boolean;
  /**
   * The CA bundle the broker's certificate is verified against. Verification is never off.
   * @default `TLS_CA_FILE`, else the system store
   */
  caFile?: string;
  /**
   * The client certificate (PEM). With `keyFile`, the client presents it and authenticates with
   * SASL `EXTERNAL`: the broker maps its SAN URI (the SPIFFE ID) to the user. The file is
   * read again on every connection attempt, so a rotated certificate is used on the next
   * reconnect.
   * @default `TLS_CERT_FILE`, else none
   */
  certFile?: string;
  /**
   * The client certificate's private key (PEM).
   * @default `TLS_KEY_FILE`, else none
   */
  keyFile?: string;
  /**
   * The private key that signs every published message: a JWK (JSON) or a PKCS #8 PEM,
   * Ed25519 (`EdDSA`) or P-256 (`ES256`). Without it, `publish()` fails.
   * @default `MESSAGING_SIGNING_KEY_FILE`, else none
   */
  signingKeyFile?: string;
  /**
   * The trusted producers: broker user name (the producer's SPIFFE ID with mTLS) to a JWKS
   * file with its public keys. A producer not listed here is never accepted. Rewrite a file to
   * rotate keys; it is read again when it changes.
   * @default `MESSAGING_PRODUCERS` (`id=path` pairs, comma-separated), else none
   */
  producers?: Readonly<Record<string, string>>;
  /**
   * The exchanges this service publishes to.
   * @default none
   */
  exchanges?: readonly ExchangeDeclaration[];
  /**
   * Declare exchanges, queues, bindings, retry and dead-letter topology on each connection.
   * Turn off when broker definitions create everything and the user has no configure right.
   * @default true
   */
  declare?: boolean;
  /**
   * How many unacknowledged messages the broker hands to this process at once, per channel.
   * @default `MESSAGING_PREFETCH`, else 16 (1 to 1000)
   */
  prefetch?: number;
  /**
   * How many times a handler may fail on one message before it goes to the dead-letter queue.
   * Also the quorum queue's delivery limit, so a crash loop is bounded too.
   * @default `MESSAGING_MAX_ATTEMPTS`, else 5 (1 to 100)
   */
  maxAttempts?: number;
  /**
   * The delay before a failed message is tried again (the retry queue's TTL).
   * @default `MESSAGING_RETRY_DELAY_MS`, else 5000
   */
  retryDelayMs?: number;
  /**
   * Larger messages are dead-lettered unread, and refused by `publish()`.
   * @default `MESSAGING_MAX_MESSAGE_BYTES`, else 262144
   */
  maxMessageBytes?: number;
  /**
   * The oldest message accepted, from its signed issue time; also the validity a producer
   * signs into its messages.
   * @default `MESSAGING_MAX_AGE_SECONDS`, else 300
   */
  maxAgeSeconds?: number;
  /**
   * How many publishes may wait while the connection is down. Past it, `publish()` fails at
   * once with `MESSAGING_BUFFER_FULL`.
   * @default `MESSAGING_PUBLISH_BUFFER`, else 1000
   */
  publishBufferSize?: number;
  /**
   * How long a publish may wait for the connection and the broker's confirm.
   * @default `MESSAGING_PUBLISH_TIMEOUT_MS`, else 10000
   */
  publishTimeoutMs?: number;
  /**
   * The first reconnect delay; each next one doubles up to `reconnectMaxDelayMs`, with full
   * jitter.
   * @default 250
   */
  reconnectMinDelayMs?: number;
  /**
   * The longest reconnect delay.
   * @default 30000
   */
  reconnectMaxDelayMs?: number;
  /**
   * How many handled message ids are remembered to drop a replayed message.
   * @default 10000
   */
  dedupeCapacity?: number;
  /**
   * The idempotency store shared by every replica: handled message ids are kept in Redis for
   * `maxAgeSeconds` (older messages are refused anyway). `false` keeps them in memory even when
   * `REDIS_URL` is set. While Redis is unreachable, the in-memory set answers.
   * @default `REDIS_URL`, else in memory only
   */
  redisUrl?: string | false;
  /**
   * How often a producer's JWKS file is checked for a change (and at once on an unknown key id,
   * at most this often).
   * @default 5000
   */
  keyReloadIntervalMs?: number;
  /**
   * The environment read for the variables above and `NODE_ENV`.
   * @default process.env
   */
  env?: Environment;
  /**
   * The clock, in epoch milliseconds. For tests.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Writes one log entry.
   * @default one JSON line on stdout
   */
  log?: (entry: MessagingLogEntry) => void;
}

/**
 * A class for `MessagingModule.forRootAsync({ useClass })` or `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class MessagingConfig implements MessagingOptionsFactory {
 *   createMessagingOptions() { return { exchanges: [{ name: 'orders.events' }] }; }
 * }
 * ```
 */
export interface MessagingOptionsFactory {
  /** Returns the module options. */
  createMessagingOptions(): MessagingModuleOptions | Promise<MessagingModuleOptions>;
}

/**
 * {@link MessagingModuleOptions} with the environment and the defaults applied, as
 * `@InjectMessagingOptions()` gives them.
 */
export interface ResolvedMessagingOptions {
  url: URL;
  /** Where the URL came from, for messages: the option or the variable. */
  urlSource: string;
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  signingKeyFile: string | undefined;
  producers: ReadonlyMap<string, string>;
  exchanges: readonly Required<ExchangeDeclaration>[];
  declare: boolean;
  prefetch: number;
  maxAttempts: number;
  retryDelayMs: number;
  maxMessageBytes: number;
  maxAgeSeconds: number;
  publishBufferSize: number;
  publishTimeoutMs: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  dedupeCapacity: number;
  redisUrl: string | undefined;
  keyReloadIntervalMs: number;
  now: () => number;
  log: (entry: MessagingLogEntry) => void;
}
