/**
 * The end user on whose behalf a message is sent. It travels inside the signed part of the
 * message, never as an access token.
 */
export interface MessageActor {
  /** The issuer of the user's token. */
  iss: string;
  /** The user's subject at that issuer. */
  sub: string;
  /** The user's scopes when the message was sent, space-delimited, for `requires.scopes`. */
  scope?: string;
  /** The user's roles when the message was sent, for `requires.roles`. */
  roles?: string[];
}

/** Options of `MessagingService.publish()`. */
export interface PublishOptions {
  /**
   * The end user on whose behalf the message is sent. Pass `principal` from the request
   * (`@bulwark/auth`'s `Principal`), or `{ iss, sub }`.
   * @default none: the service acts on its own behalf
   */
  actor?:
    | MessageActor
    | {
        issuer: string;
        subject: string;
        scopes?: readonly string[];
        roles?: readonly string[];
      };
  /**
   * The message type consumers dispatch on (`@Consume({ type })`).
   * @default the routing key
   */
  type?: string;
  /**
   * The request id of the request that caused the message, for log correlation.
   * @default none
   */
  requestId?: string;
  /**
   * The W3C `traceparent` of the producing span, so the consumer's span links to it.
   * @default the active OpenTelemetry context's, when tracing is on
   */
  traceparent?: string;
}

/** What a publish returns once the broker has confirmed the message. */
export interface PublishResult {
  /** The message id (a UUID), also the signed `jti`. */
  messageId: string;
}

/** The verified metadata handed to a handler beside the validated payload. */
export interface ConsumedMessage {
  /** The message id. */
  readonly id: string;
  /** The message type. */
  readonly type: string;
  /** The producer: its broker user name, verified by the broker and by the signature. */
  readonly producer: string;
  /** The end user on whose behalf it was sent, from the signed part; none when the service acted. */
  readonly actor: MessageActor | undefined;
  /** The exchange and routing key it was published to (signed). */
  readonly exchange: string;
  readonly routingKey: string;
  /** The queue it was consumed from. */
  readonly queue: string;
  /** 1 on the first delivery, then 2, 3… on retries. */
  readonly attempt: number;
  /** When the producer signed it, epoch seconds. */
  readonly issuedAt: number;
  /** The producer's request id, when it gave one. */
  readonly requestId: string | undefined;
  /** The producer's `traceparent`, when it gave one. */
  readonly traceparent: string | undefined;
}

/** A DTO class validated with class-validator by `@bulwark/errors`' `StrictValidationPipe`. */
// biome-ignore lint/suspicious/noExplicitAny: a class of any constructor shape
export type DtoClass<T = unknown> = new (...args: any[]) => T;

/** Options of `@Consume()`. */
export interface ConsumeOptions<T = unknown> {
  /** The queue (a quorum queue, declared with its retry and dead-letter queues). */
  queue: string;
  /** The exchange the queue is bound to. */
  exchange: string;
  /**
   * The binding pattern.
   * @default the `type`
   */
  routingKey?: string;
  /**
   * The message type this handler takes. A message whose type no handler of the queue
   * declares is dead-lettered.
   */
  type: string;
  /**
   * The producers (broker user names, SPIFFE IDs under mTLS) accepted. Required and
   * non-empty: a handler without it stops start-up.
   */
  producers: readonly string[];
  /**
   * The payload class, validated strictly: unknown and protected fields are refused. Give
   * this or `validate`.
   */
  dto?: DtoClass<T>;
  /** A function that returns the payload or throws. Give this or `dto`. */
  validate?: (payload: unknown) => T;
  /**
   * What the actor must hold. A message without an actor is refused when this is set.
   * @default none
   */
  requires?: { scopes?: readonly string[]; roles?: readonly string[] };
}

/** Why a message was dead-lettered or dropped before or instead of its handler. */
export type RejectionReason =
  | 'too_large'
  | 'unsigned'
  | 'malformed_signature'
  | 'unknown_producer'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'user_mismatch'
  | 'body_mismatch'
  | 'route_mismatch'
  | 'unknown_type'
  | 'producer_not_allowed'
  | 'actor_forbidden'
  | 'replayed'
  | 'invalid_payload'
  | 'max_attempts';

/** Counters of one queue, since start. */
export interface QueueStats {
  consumed: number;
  acked: number;
  retried: number;
  deadLettered: number;
  /** Messages refused before the handler, by reason (`replayed` ones are dropped, not dead-lettered). */
  rejected: Partial<Record<RejectionReason, number>>;
  /** Handler time, summed, in milliseconds; divide by `handled` for the mean. */
  handlerMs: number;
  handled: number;
}

/**
 * The part of a prom-client `Registry` that `MessagingService.registerMetrics()` uses; the
 * metrics are registered in prom-client's shape without importing it.
 */
export interface MessagingMetricsRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
}
