import { publishSecurityEvent, type SecurityEventKind } from '@bulwark/core/events';
import type { Channel, ConsumeMessage } from 'amqplib';
import { ATTEMPT_HEADER, SIGNATURE_HEADER } from '../messaging.constants.js';
import type {
  ConsumedMessage,
  ConsumeOptions,
  QueueStats,
  RejectionReason,
} from '../messaging.types.js';
import type { BrokerConnection, Connected } from './connection.js';
import { type DedupeStore, MemoryDedupe, RedisDedupe } from './dedupe.js';
import { bodyHash, type MessageClaims, type ProducerKeys } from './envelope.js';
import type { ResolvedMessagingOptions } from './resolve-options.js';
import { inConsumerSpan } from './trace.js';

/** The header that keeps the producer's broker user on a message the consumer sent to retry. */
export const ORIGINAL_USER_HEADER = 'x-bulwark-user';

/** A discovered `@Consume()` handler, checked at start-up. */
export interface HandlerEntry {
  /** `Class.method`, for messages. */
  name: string;
  options: ConsumeOptions & { routingKey: string };
  validate: (payload: unknown) => Promise<unknown>;
  invoke: (payload: unknown, message: ConsumedMessage) => Promise<unknown>;
}

const SECURITY_KIND: Record<RejectionReason, SecurityEventKind | undefined> = {
  too_large: 'input.rejected',
  invalid_payload: 'input.rejected',
  unsigned: 'authentication.failed',
  malformed_signature: 'authentication.failed',
  unknown_producer: 'authentication.failed',
  unknown_key: 'authentication.failed',
  bad_signature: 'authentication.failed',
  expired: 'authentication.failed',
  not_yet_valid: 'authentication.failed',
  user_mismatch: 'authentication.failed',
  body_mismatch: 'authentication.failed',
  route_mismatch: 'authentication.failed',
  replayed: 'authentication.failed',
  producer_not_allowed: 'authorization.denied',
  actor_forbidden: 'authorization.denied',
  unknown_type: undefined,
  max_attempts: undefined,
};

/** Names of the topology Bulwark declares around a queue. */
export function topologyOf(queue: string) {
  return {
    retry: `${queue}.retry`,
    back: `${queue}.return`,
    dlx: `${queue}.dlx`,
    dlq: `${queue}.dlq`,
  };
}

function emptyStats(): QueueStats {
  return {
    consumed: 0,
    acked: 0,
    retried: 0,
    deadLettered: 0,
    rejected: {},
    handlerMs: 0,
    handled: 0,
  };
}

function headerString(headers: Record<string, unknown> | undefined, name: string) {
  const value = headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/**
 * Runs the `@Consume()` handlers: declares the queues with their retry and dead-letter
 * topology, checks every delivery in a fixed order, and acknowledges only after the handler
 * succeeded.
 */
export class ConsumerEngine {
  private readonly queues = new Map<string, Map<string, HandlerEntry>>();
  private readonly stats = new Map<string, QueueStats>();
  private readonly dedupe: DedupeStore;
  private readonly inFlightKeys = new Set<string>();
  private channel: Channel | undefined;
  private tags: string[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private draining = false;

  constructor(
    private readonly options: ResolvedMessagingOptions,
    private readonly connection: BrokerConnection,
    private readonly keys: ProducerKeys,
  ) {
    this.dedupe = options.redisUrl
      ? new RedisDedupe(
          options.redisUrl,
          options.maxAgeSeconds + 5,
          options.dedupeCapacity,
          options.log,
        )
      : new MemoryDedupe(options.dedupeCapacity);
  }

  /** Adds the handlers; called once at start-up, after they were checked. */
  register(handlers: readonly HandlerEntry[]): void {
    for (const handler of handlers) {
      const byType = this.queues.get(handler.options.queue) ?? new Map<string, HandlerEntry>();
      byType.set(handler.options.type, handler);
      this.queues.set(handler.options.queue, byType);
      this.stats.set(handler.options.queue, emptyStats());
    }
  }

  /** Whether any handler is registered. */
  get active(): boolean {
    return this.queues.size > 0;
  }

  /** The counters of every queue. */
  snapshot(): Record<string, QueueStats> {
    const copy: Record<string, QueueStats> = {};
    for (const [queue, stats] of this.stats)
      copy[queue] = { ...stats, rejected: { ...stats.rejected } };
    return copy;
  }

  /** Declares the topology and starts consuming on a new connection. */
  async setup(connected: Connected): Promise<void> {
    if (this.queues.size === 0 || this.draining) return;
    const channel = await connected.model.createChannel();
    channel.on('error', () => {});
    await channel.prefetch(this.options.prefetch);
    if (this.options.declare) {
      for (const [queue, byType] of this.queues) await this.declare(channel, queue, byType);
    }
    this.channel = channel;
    this.tags = [];
    for (const queue of this.queues.keys()) {
      const { consumerTag } = await channel.consume(
        queue,
        (message) => {
          if (message) void this.deliver(channel, connected.user, queue, message);
        },
        { noAck: false },
      );
      this.tags.push(consumerTag);
    }
  }

  private async declare(channel: Channel, queue: string, byType: Map<string, HandlerEntry>) {
    const { retry, back, dlx, dlq } = topologyOf(queue);
    await channel.assertExchange(dlx, 'fanout', { durable: true });
    await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(dlq, dlx, '');
    await channel.assertExchange(retry, 'fanout', { durable: true });
    await channel.assertQueue(retry, {
      durable: true,
      arguments: {
        'x-message-ttl': this.options.retryDelayMs,
        'x-dead-letter-exchange': back,
      },
    });
    await channel.bindQueue(retry, retry, '');
    await channel.assertExchange(back, 'fanout', { durable: true });
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': dlx,
        // A crash loop (the process dies before it acks) is bounded by the broker itself.
        'x-delivery-limit': this.options.maxAttempts,
      },
    });
    await channel.bindQueue(queue, back, '');
    const bindings = new Set<string>();
    for (const handler of byType.values()) {
      const key = `${handler.options.exchange}\u0000${handler.options.routingKey}`;
      if (bindings.has(key)) continue;
      bindings.add(key);
      await channel.bindQueue(queue, handler.options.exchange, handler.options.routingKey);
    }
  }

  private count(queue: string, update: (stats: QueueStats) => void): void {
    const stats = this.stats.get(queue);
    if (stats) update(stats);
  }

  private reject(
    channel: Channel,
    queue: string,
    message: ConsumeMessage,
    reason: RejectionReason,
    details: Record<string, string | undefined>,
  ): void {
    const replayed = reason === 'replayed';
    this.count(queue, (stats) => {
      stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
      if (!replayed) stats.deadLettered += 1;
    });
    const safe: Record<string, string> = { transport: 'amqp', queue };
    for (const [key, value] of Object.entries(details))
      if (value !== undefined) safe[key] = value.slice(0, 200);
    const kind = SECURITY_KIND[reason];
    if (kind) publishSecurityEvent({ kind, reason, details: safe });
    this.options.log({
      level: 'warn',
      msg: replayed ? 'message dropped' : 'message dead-lettered',
      reason,
      ...safe,
    });
    try {
      // A replay of a handled message is dropped; everything else goes to the dead-letter
      // exchange without redelivery, so it can neither reach the handler nor loop.
      if (replayed) channel.ack(message);
      else channel.nack(message, false, false);
    } catch {
      // The channel closed: the broker returns the message and it is checked again.
    }
  }

  private async deliver(channel: Channel, ownUser: string, queue: string, message: ConsumeMessage) {
    if (this.draining) {
      try {
        channel.nack(message, false, true);
      } catch {}
      return;
    }
    this.inFlight += 1;
    try {
      await this.check(channel, ownUser, queue, message);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) {
        const idle = this.idle;
        this.idle = [];
        for (const resolve of idle) resolve();
      }
    }
  }

  private async check(channel: Channel, ownUser: string, queue: string, message: ConsumeMessage) {
    this.count(queue, (stats) => {
      stats.consumed += 1;
    });
    const { fields, properties, content } = message;
    const headers = properties.headers as Record<string, unknown> | undefined;
    const messageId = typeof properties.messageId === 'string' ? properties.messageId : undefined;
    const base = { messageId };
    if (content.length > this.options.maxMessageBytes) {
      return this.reject(channel, queue, message, 'too_large', base);
    }
    const verified = await this.keys.verify(
      headerString(headers, SIGNATURE_HEADER),
      this.options.maxAgeSeconds,
    );
    if (!verified.ok) {
      return this.reject(channel, queue, message, verified.reason, {
        ...base,
        producer: verified.producer,
      });
    }
    const claims: MessageClaims = verified.claims;
    const info = { messageId: claims.jti, producer: claims.iss, type: claims.mt };
    // A retry comes back through the queue's return exchange, published by this service's own
    // user, which the broker validates: only then are the retry headers believed.
    const attemptHeader = Number(headers?.[ATTEMPT_HEADER]);
    const retried =
      fields.exchange === topologyOf(queue).back &&
      properties.userId === ownUser &&
      Number.isSafeInteger(attemptHeader) &&
      attemptHeader > 1;
    const sender = retried ? headerString(headers, ORIGINAL_USER_HEADER) : properties.userId;
    if (sender !== claims.iss) return this.reject(channel, queue, message, 'user_mismatch', info);
    if (messageId !== claims.jti || bodyHash(content) !== claims.bh) {
      return this.reject(channel, queue, message, 'body_mismatch', info);
    }
    const handler = this.queues.get(queue)?.get(claims.mt);
    if (!retried && (fields.exchange !== claims.ex || fields.routingKey !== claims.rk)) {
      return this.reject(channel, queue, message, 'route_mismatch', info);
    }
    if (handler === undefined) return this.reject(channel, queue, message, 'unknown_type', info);
    if (claims.ex !== handler.options.exchange) {
      return this.reject(channel, queue, message, 'route_mismatch', info);
    }
    if (!handler.options.producers.includes(claims.iss)) {
      return this.reject(channel, queue, message, 'producer_not_allowed', info);
    }
    const requires = handler.options.requires;
    if (requires) {
      const actor = claims.act;
      const scopes = new Set((actor?.scope ?? '').split(' ').filter(Boolean));
      const roles = new Set(Array.isArray(actor?.roles) ? actor.roles : []);
      const allowed =
        actor !== undefined &&
        (requires.scopes ?? []).every((scope) => scopes.has(scope)) &&
        (requires.roles ?? []).every((role) => roles.has(role));
      if (!allowed) return this.reject(channel, queue, message, 'actor_forbidden', info);
    }
    const key = `${claims.iss}|${claims.jti}`;
    if (this.inFlightKeys.has(key)) return this.reject(channel, queue, message, 'replayed', info);
    // Reserved before the first await: a copy arriving while this one waits on the store (Redis)
    // or the handler is a replay too.
    this.inFlightKeys.add(key);
    try {
      await this.handleOnce(channel, ownUser, queue, message, handler, claims, info, key, {
        retried,
        attemptHeader,
        headers,
        content,
      });
    } finally {
      this.inFlightKeys.delete(key);
    }
  }

  private async handleOnce(
    channel: Channel,
    ownUser: string,
    queue: string,
    message: ConsumeMessage,
    handler: HandlerEntry,
    claims: MessageClaims,
    info: Record<string, string>,
    key: string,
    delivery: {
      retried: boolean;
      attemptHeader: number;
      headers: Record<string, unknown> | undefined;
      content: Buffer;
    },
  ) {
    const { retried, attemptHeader, headers, content } = delivery;
    if (await this.dedupe.has(key)) {
      return this.reject(channel, queue, message, 'replayed', info);
    }
    let payload: unknown;
    try {
      payload = await handler.validate(JSON.parse(content.toString('utf8')));
    } catch {
      return this.reject(channel, queue, message, 'invalid_payload', info);
    }
    const attempt = retried ? attemptHeader : 1;
    const consumed: ConsumedMessage = {
      id: claims.jti,
      type: claims.mt,
      producer: claims.iss,
      actor: claims.act,
      exchange: claims.ex,
      routingKey: claims.rk,
      queue,
      attempt,
      issuedAt: claims.iat,
      requestId: claims.rid,
      traceparent: headerString(headers, 'traceparent'),
    };
    const started = performance.now();
    try {
      await inConsumerSpan(
        queue,
        headers,
        { 'messaging.message.id': claims.jti, 'messaging.rabbitmq.attempt': attempt },
        () => handler.invoke(payload, consumed),
      );
      await this.dedupe.add(key);
      this.count(queue, (stats) => {
        stats.acked += 1;
        stats.handled += 1;
        stats.handlerMs += performance.now() - started;
      });
      try {
        channel.ack(message);
      } catch {
        // The channel closed after the handler ran: the redelivery is dropped as a replay.
      }
    } catch {
      this.count(queue, (stats) => {
        stats.handled += 1;
        stats.handlerMs += performance.now() - started;
      });
      await this.retryOrDeadLetter(channel, ownUser, queue, message, attempt, info);
    }
  }

  private async retryOrDeadLetter(
    channel: Channel,
    ownUser: string,
    queue: string,
    message: ConsumeMessage,
    attempt: number,
    info: Record<string, string>,
  ) {
    if (attempt >= this.options.maxAttempts) {
      return this.reject(channel, queue, message, 'max_attempts', {
        ...info,
        attempts: String(attempt),
      });
    }
    const { properties, content } = message;
    const headers = { ...(properties.headers ?? {}) } as Record<string, unknown>;
    headers[ATTEMPT_HEADER] = attempt + 1;
    if (attempt === 1) headers[ORIGINAL_USER_HEADER] = properties.userId;
    try {
      await this.connection.publish(topologyOf(queue).retry, '', content, {
        contentType: properties.contentType,
        messageId: properties.messageId,
        timestamp: properties.timestamp,
        type: properties.type,
        userId: ownUser,
        persistent: true,
        headers,
      });
      this.count(queue, (stats) => {
        stats.retried += 1;
      });
      this.options.log({
        level: 'warn',
        msg: 'handler failed, retry scheduled',
        queue,
        attempt,
        ...info,
      });
      channel.ack(message);
    } catch {
      try {
        // Back to the queue; the quorum queue's delivery limit still bounds it.
        channel.nack(message, false, true);
      } catch {}
    }
  }

  /**
   * Stops taking deliveries: cancels the consumers, returns what arrives afterwards, and waits
   * for the handlers in flight, which ack or nack as usual.
   */
  async drain(): Promise<void> {
    this.draining = true;
    const channel = this.channel;
    if (channel) {
      for (const tag of this.tags) await channel.cancel(tag).catch(() => {});
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Closes the consumer channel and the idempotency store. */
  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => {});
    await this.dedupe.close();
  }
}
