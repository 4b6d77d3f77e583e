import { randomUUID } from 'node:crypto';
import { BulwarkConfigError } from '@bulwark/core';
import {
  type MetricsProvider,
  MetricsSource,
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
  type ShutdownHandler,
  ShutdownHook,
} from '@bulwark/core/lifecycle';
import { StrictValidationPipe } from '@bulwark/errors';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CONSUME_METADATA } from './consume.decorator.js';
import { BrokerConnection } from './internal/connection.js';
import { ConsumerEngine, type HandlerEntry } from './internal/consumer.js';
import {
  bodyHash,
  loadSigningKey,
  ProducerKeys,
  type SigningKey,
  signMessage,
} from './internal/envelope.js';
import { registerMessagingMetrics } from './internal/metrics.js';
import { activeTraceHeaders } from './internal/trace.js';
import { SIGNATURE_HEADER } from './messaging.constants.js';
import { MessagingError } from './messaging.error.js';
import { InjectMessagingOptions, MESSAGING_OPTIONS } from './messaging.module-definition.js';
import type {
  ConsumeOptions,
  MessageActor,
  MessagingMetricsRegistry,
  PublishOptions,
  PublishResult,
  QueueStats,
} from './messaging.types.js';
import type {
  MessagingModuleOptions,
  ResolvedMessagingOptions,
} from './messaging-options.interface.js';

const NAME = /^[A-Za-z0-9._:/-]{1,200}$/;

function actorOf(given: PublishOptions['actor']): MessageActor | undefined {
  if (given === undefined) return undefined;
  if ('iss' in given) {
    const actor: MessageActor = { iss: given.iss, sub: given.sub };
    if (given.scope !== undefined) actor.scope = given.scope;
    if (given.roles !== undefined) actor.roles = [...given.roles];
    return actor;
  }
  const actor: MessageActor = { iss: given.issuer, sub: given.subject };
  if (given.scopes && given.scopes.length > 0) actor.scope = given.scopes.join(' ');
  if (given.roles && given.roles.length > 0) actor.roles = [...given.roles];
  return actor;
}

/**
 * Publishes signed messages and runs the `@Consume()` handlers. It is the module's readiness
 * indicator (`messaging`: 503 while the broker is unreachable) and its shutdown hook (cancel
 * consumers, finish in-flight handlers, await confirms, close).
 */
@ReadinessIndicator('messaging')
@MetricsSource()
@ShutdownHook('messaging', { order: -10 })
@Injectable()
export class MessagingService
  implements
    OnModuleInit,
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    ReadinessCheck,
    MetricsProvider,
    ShutdownHandler
{
  private readonly connection: BrokerConnection;
  private readonly consumers: ConsumerEngine;
  private readonly keys: ProducerKeys;
  private signing: SigningKey | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    @Inject(MESSAGING_OPTIONS) given: MessagingModuleOptions,
    @InjectMessagingOptions() private readonly options: ResolvedMessagingOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {
    const setting = given.producers === undefined ? 'MESSAGING_PRODUCERS' : 'producers';
    this.keys = new ProducerKeys(
      this.options.producers,
      this.options.keyReloadIntervalMs,
      this.options.now,
      setting,
    );
    this.connection = new BrokerConnection(this.options);
    this.consumers = new ConsumerEngine(this.options, this.connection, this.keys);
    this.connection.onConnect(async ({ model }) => {
      if (!this.options.declare || this.options.exchanges.length === 0) return;
      const channel = await model.createChannel();
      channel.on('error', () => {});
      for (const exchange of this.options.exchanges) {
        await channel.assertExchange(exchange.name, exchange.type, { durable: true });
      }
      await channel.close();
    });
    this.connection.onConnect((connected) => this.consumers.setup(connected));
  }

  /** Loads the signing key and checks every `@Consume()` handler; a bad one stops start-up. */
  async onModuleInit(): Promise<void> {
    if (this.options.signingKeyFile) {
      const setting = 'signingKeyFile (MESSAGING_SIGNING_KEY_FILE)';
      this.signing = await loadSigningKey(this.options.signingKeyFile, setting);
    }
    this.consumers.register(this.discoverHandlers());
  }

  /** Starts connecting; the app starts even when the broker is down, with readiness 503. */
  onApplicationBootstrap(): void {
    this.connection.start();
  }

  private discoverHandlers(): HandlerEntry[] {
    const handlers: HandlerEntry[] = [];
    const seen = new Set<unknown>();
    const pipe = new StrictValidationPipe();
    const types = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const target = (prototype as Record<string, unknown>)[method];
        if (typeof target !== 'function') continue;
        const options = Reflect.getMetadata(CONSUME_METADATA, target) as ConsumeOptions | undefined;
        if (options === undefined) continue;
        const name = `${instance.constructor.name}.${method}`;
        const entry = this.checkHandler(name, options, pipe);
        const key = `${options.queue}\u0000${options.type}`;
        const other = types.get(key);
        if (other !== undefined) {
          throw new BulwarkConfigError(
            `@Consume() on ${name}`,
            `type "${options.type}" on queue "${options.queue}" is already handled by ${other}. Give each type of a queue one handler.`,
          );
        }
        types.set(key, name);
        handlers.push({
          ...entry,
          invoke: async (payload, message) =>
            (target as (...args: unknown[]) => unknown).call(instance, payload, message),
        });
      }
    }
    return handlers;
  }

  private checkHandler(
    name: string,
    options: ConsumeOptions,
    pipe: StrictValidationPipe,
  ): Omit<HandlerEntry, 'invoke'> {
    const setting = `@Consume() on ${name}`;
    if (!Array.isArray(options.producers) || options.producers.length === 0) {
      throw new BulwarkConfigError(
        setting,
        'declares no producers, so it would accept anyone. List the producer ids (broker users, SPIFFE IDs under mTLS) it accepts in producers.',
      );
    }
    for (const producer of options.producers) {
      if (!this.keys.has(producer)) {
        throw new BulwarkConfigError(
          setting,
          `accepts producer "${producer}", which has no keys. Add it to producers (MESSAGING_PRODUCERS) with its JWKS file.`,
        );
      }
    }
    for (const field of ['queue', 'exchange', 'type'] as const) {
      const value = options[field];
      if (typeof value !== 'string' || !NAME.test(value)) {
        throw new BulwarkConfigError(
          setting,
          `${field} must be 1 to 200 letters, digits or . _ : / -. Set ${field}.`,
        );
      }
    }
    const hasDto = typeof options.dto === 'function';
    const hasValidate = typeof options.validate === 'function';
    if (hasDto === hasValidate) {
      throw new BulwarkConfigError(
        setting,
        hasDto
          ? 'gives both dto and validate. Give one of them.'
          : 'does not validate its payload. Give dto (a class-validator class) or validate (a function that returns the payload or throws).',
      );
    }
    const dto = options.dto;
    const validateFn = options.validate;
    const validate = hasDto
      ? (payload: unknown) => pipe.transform(payload, { type: 'body', metatype: dto })
      : async (payload: unknown) => (validateFn as (value: unknown) => unknown)(payload);
    return {
      name,
      options: { ...options, routingKey: options.routingKey ?? options.type },
      validate,
    };
  }

  /**
   * Publishes a JSON message, signed by this service, and resolves once the broker confirmed
   * it. While the connection is down, the publish waits (bounded by `publishBufferSize` and
   * `publishTimeoutMs`).
   *
   * @throws MessagingError `MESSAGING_ACCESS_REFUSED` naming the exchange when the broker
   *   refuses the write, `MESSAGING_BUFFER_FULL`, `MESSAGING_PUBLISH_TIMEOUT`,
   *   `MESSAGING_NO_SIGNING_KEY`, `MESSAGING_INVALID_MESSAGE`.
   * @example
   * ```ts
   * await messaging.publish('orders.events', 'order.created', { orderId }, { actor: principal });
   * ```
   */
  async publish(
    exchange: string,
    routingKey: string,
    payload: unknown,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const signing = this.signing;
    if (signing === undefined) {
      throw new MessagingError(
        'MESSAGING_NO_SIGNING_KEY',
        'no signing key is configured, and every message must be signed. Set MESSAGING_SIGNING_KEY_FILE (or signingKeyFile).',
      );
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch {
      json = undefined;
    }
    if (json === undefined) {
      throw new MessagingError('MESSAGING_INVALID_MESSAGE', 'the payload cannot be sent as JSON.');
    }
    const content = Buffer.from(json, 'utf8');
    if (content.length > this.options.maxMessageBytes) {
      throw new MessagingError(
        'MESSAGING_INVALID_MESSAGE',
        `the payload is ${content.length} bytes, over maxMessageBytes (${this.options.maxMessageBytes}).`,
      );
    }
    const user = this.connection.user;
    const messageId = randomUUID();
    const iat = Math.floor(this.options.now() / 1000);
    const type = options.type ?? routingKey;
    const actor = actorOf(options.actor);
    const jws = await signMessage(signing, {
      iss: user,
      jti: messageId,
      iat,
      exp: iat + this.options.maxAgeSeconds,
      ex: exchange,
      rk: routingKey,
      mt: type,
      bh: bodyHash(content),
      ...(actor ? { act: actor } : {}),
      ...(options.requestId ? { rid: options.requestId } : {}),
    });
    const headers: Record<string, string> = { ...activeTraceHeaders(), [SIGNATURE_HEADER]: jws };
    if (options.traceparent) headers.traceparent = options.traceparent;
    if (options.requestId) headers['x-request-id'] = options.requestId;
    await this.connection.publish(exchange, routingKey, content, {
      contentType: 'application/json',
      messageId,
      timestamp: iat,
      type,
      // The broker checks user-id against the connection's user: a producer cannot claim another.
      userId: user,
      persistent: true,
      headers,
    });
    return { messageId };
  }

  /** Resolves once connected to the broker (and the consumers are running). */
  whenConnected(): Promise<void> {
    return this.connection.whenConnected();
  }

  /**
   * Exposes the per-queue counters on a prom-client registry (such as `@bulwark/metrics`'
   * `MetricsService.registry`): `bulwark_messaging_messages_total{queue,outcome}`,
   * `bulwark_messaging_rejected_total{queue,reason}`, `bulwark_messaging_handler_seconds_total`
   * and `bulwark_messaging_handled_total`. Values are read at scrape time. Registering twice is a
   * no-op. With `@bulwark/metrics` in the app (as in `@bulwark/service`), this is called for
   * you at start-up; call it yourself only for another registry.
   *
   * @example
   * ```ts
   * messaging.registerMetrics(myRegistry);
   * ```
   */
  registerMetrics(registry: MessagingMetricsRegistry): void {
    registerMessagingMetrics(registry, () => this.stats());
  }

  /** How many publishes wait for the connection or for the broker's confirm. */
  pendingPublishes(): number {
    return this.connection.pending;
  }

  /** The counters of every consumed queue since start. */
  stats(): Record<string, QueueStats> {
    return this.consumers.snapshot();
  }

  /** 503 while the broker connection is down. */
  readiness(): ReadinessResult {
    if (this.connection.isConnected) return { ready: true };
    return {
      ready: false,
      detail: `broker unreachable${this.connection.lastFailure ? `: ${this.connection.lastFailure}` : ''}`,
    };
  }

  /**
   * The drain: cancel consumers so no new deliveries arrive, return what was prefetched but not
   * started, let in-flight handlers finish and ack or nack, await pending confirms, then close.
   */
  onShutdown(): Promise<void> {
    this.closed ??= this.drainAndClose();
    return this.closed;
  }

  /**
   * The same drain when the Nest application closes: `@bulwark/shutdown` closes the app after
   * the HTTP drain and before its hooks, so handlers finish while the resources other hooks
   * close (database, Redis) are still open. Without `@bulwark/shutdown`, `app.close()` drains.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.onShutdown();
  }

  private async drainAndClose(): Promise<void> {
    const started = Date.now();
    await this.consumers.drain();
    await this.connection.settled();
    await this.consumers.close();
    await this.connection.close();
    this.options.log({
      level: 'info',
      msg: 'messaging drained and closed',
      durationMs: Date.now() - started,
    });
  }
}
