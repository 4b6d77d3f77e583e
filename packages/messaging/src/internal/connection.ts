import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { BulwarkConfigError } from '@bulwark/core';
import amqp, { type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { MessagingError } from '../messaging.error.js';
import type { ResolvedMessagingOptions } from './resolve-options.js';

/** What the connection hands to the parts that set up channels after each connect. */
export interface Connected {
  model: ChannelModel;
  publisher: ConfirmChannel;
  user: string;
}

interface PendingPublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: Options.Publish;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  settled: boolean;
}

/** The SAN URI of a PEM certificate, which the broker maps to the user name. */
export function certificateUser(pem: string, path: string): string | undefined {
  let san: string;
  try {
    san = new X509Certificate(pem).subjectAltName ?? '';
  } catch {
    throw new BulwarkConfigError(
      'certFile (TLS_CERT_FILE)',
      `the file ${path} does not hold a PEM certificate. Mount the client certificate there.`,
    );
  }
  const uri = san
    .split(', ')
    .find((entry) => entry.startsWith('URI:'))
    ?.slice(4);
  return uri;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // amqplib's messages can quote the URL; never log a password.
  return text.replace(/amqps?:\/\/[^@\s]*@/g, 'amqp://***@').slice(0, 300);
}

/** `ACCESS_REFUSED - access to exchange 'x' in vhost '/' refused …` → the exchange named. */
function refusedExchange(message: string): string | undefined {
  return /exchange '([^']*)'/.exec(message)?.[1];
}

/**
 * One AMQP connection with a confirm channel for publishing, reconnected with exponential
 * backoff and full jitter. Certificate files are read again on every attempt, so a rotated
 * certificate is used on the next reconnect. Publishes wait in a bounded buffer while the
 * connection is down, and are sent again after a reconnect when the broker never confirmed
 * them (consumers drop the duplicate by its message id).
 */
export class BrokerConnection {
  private current: Connected | undefined;
  private stopping = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly buffer: PendingPublish[] = [];
  private readonly unconfirmed = new Set<PendingPublish>();
  private readonly setups: ((connected: Connected) => Promise<void>)[] = [];
  private waiters: (() => void)[] = [];
  private lastError: string | undefined;

  private currentUser: string;

  constructor(private readonly options: ResolvedMessagingOptions) {
    this.currentUser = this.socketOptions().user;
  }

  /** The broker user: the certificate's SAN URI under mTLS, else the URL's user name. */
  get user(): string {
    return this.currentUser;
  }

  /** Whether a connection with its publish channel is up. */
  get isConnected(): boolean {
    return this.current !== undefined;
  }

  /** Why the last attempt failed, for readiness details and logs. */
  get lastFailure(): string | undefined {
    return this.lastError;
  }

  /** Registers a function run after every connect, before buffered publishes are sent. */
  onConnect(setup: (connected: Connected) => Promise<void>): void {
    this.setups.push(setup);
  }

  /** Starts connecting in the background. */
  start(): void {
    void this.connect();
  }

  /** Resolves once connected. */
  whenConnected(): Promise<void> {
    if (this.current) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private socketOptions(): { user: string; socket: Record<string, unknown> } {
    const { url, caFile, certFile, keyFile } = this.options;
    const socket: Record<string, unknown> = { timeout: 10_000 };
    let user = url.username === '' ? 'guest' : decodeURIComponent(url.username);
    if (url.protocol === 'amqps:') {
      // Verification is never off: no option turns rejectUnauthorized to false.
      socket.rejectUnauthorized = true;
      socket.minVersion = 'TLSv1.2';
      if (caFile) socket.ca = readFileSync(caFile);
      if (isIP(url.hostname) === 0) socket.servername = url.hostname;
      if (certFile && keyFile) {
        const cert = readFileSync(certFile, 'utf8');
        socket.cert = cert;
        socket.key = readFileSync(keyFile);
        socket.credentials = amqp.credentials.external();
        user = certificateUser(cert, certFile) ?? user;
      }
    }
    return { user, socket };
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    let model: ChannelModel | undefined;
    try {
      const { user, socket } = this.socketOptions();
      this.currentUser = user;
      model = await amqp.connect(this.options.url.href, socket);
      const publisher = await model.createConfirmChannel();
      const connected: Connected = { model, publisher, user };
      this.watch(connected);
      for (const setup of this.setups) await setup(connected);
      if (this.stopping) {
        await model.close().catch(() => {});
        return;
      }
      this.current = connected;
      this.attempt = 0;
      this.lastError = undefined;
      this.options.log({ level: 'info', msg: 'connected to the broker', user });
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
      this.flush();
    } catch (error) {
      this.lastError = describe(error);
      this.options.log({
        level: 'error',
        msg: 'broker connection failed',
        error: this.lastError,
        attempt: this.attempt + 1,
      });
      if (model) await model.close().catch(() => {});
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const { reconnectMinDelayMs: min, reconnectMaxDelayMs: max } = this.options;
    const ceiling = Math.min(max, min * 2 ** Math.min(this.attempt, 20));
    this.attempt += 1;
    // Full jitter spreads the reconnects of many replicas after a broker restart.
    const delay = Math.max(min, Math.floor(Math.random() * ceiling));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private watch(connected: Connected): void {
    const { model } = connected;
    model.on('error', (error: Error) => {
      this.lastError = describe(error);
    });
    model.on('close', () => {
      if (this.current?.model === model) this.current = undefined;
      this.requeueUnconfirmed();
      if (!this.stopping) {
        this.options.log({ level: 'warn', msg: 'broker connection lost', error: this.lastError });
        this.scheduleReconnect();
      }
    });
    this.watchPublisherOnly(connected);
  }

  private watchPublisherOnly(connected: Connected): void {
    let channelError: Error | undefined;
    connected.publisher.on('error', (error: Error) => {
      channelError = error;
    });
    connected.publisher.on('close', () => {
      const error = channelError;
      channelError = undefined;
      if (this.current?.publisher !== connected.publisher || error === undefined) return;
      this.failRefused(error);
      void connected.model
        .createConfirmChannel()
        .then((next) => {
          const replaced = { ...connected, publisher: next };
          this.current = replaced;
          this.watchPublisherOnly(replaced);
          this.flush();
        })
        .catch(() => {});
    });
  }

  /** Fails the publishes the broker refused; the others go out again on a new channel. */
  private failRefused(error: Error): void {
    const message = error.message;
    const code = (error as { code?: number }).code;
    const exchange = refusedExchange(message);
    for (const pending of [...this.unconfirmed]) {
      this.unconfirmed.delete(pending);
      if (exchange === undefined || pending.exchange === exchange) {
        if (code === 403) {
          this.settle(
            pending,
            new MessagingError(
              'MESSAGING_ACCESS_REFUSED',
              `the broker refused publishing to exchange "${pending.exchange}" (403 ACCESS_REFUSED): the service's user may not write to it. Grant write on it in the broker's permissions, or publish to an exchange the user may write.`,
            ),
          );
          continue;
        }
        if (code === 404) {
          this.settle(
            pending,
            new MessagingError(
              'MESSAGING_NOT_FOUND',
              `the exchange "${pending.exchange}" does not exist (404 NOT_FOUND). Declare it in the broker definitions or in the exchanges option.`,
            ),
          );
          continue;
        }
      }
      this.buffer.unshift(pending);
    }
  }

  private requeueUnconfirmed(): void {
    for (const pending of this.unconfirmed) this.buffer.unshift(pending);
    this.unconfirmed.clear();
  }

  private settle(pending: PendingPublish, error?: Error): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    this.unconfirmed.delete(pending);
    const index = this.buffer.indexOf(pending);
    if (index >= 0) this.buffer.splice(index, 1);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private send(connected: Connected, pending: PendingPublish): void {
    this.unconfirmed.add(pending);
    try {
      connected.publisher.publish(
        pending.exchange,
        pending.routingKey,
        pending.content,
        pending.properties,
        (error: unknown) => {
          if (!this.unconfirmed.has(pending)) return;
          if (error === null || error === undefined) {
            this.settle(pending);
            return;
          }
          // A closed channel is handled by its close event: refused, or sent again.
          if ((error as Error).message !== 'channel closed') {
            this.settle(
              pending,
              new MessagingError(
                'MESSAGING_NACKED',
                `the broker did not take the message for exchange "${pending.exchange}" (nack).`,
              ),
            );
          }
        },
      );
    } catch {
      // The channel is closing: the message goes out again on the next channel.
      this.unconfirmed.delete(pending);
      this.buffer.unshift(pending);
    }
  }

  private flush(): void {
    const connected = this.current;
    if (!connected) return;
    while (this.buffer.length > 0 && this.current === connected) {
      const pending = this.buffer.shift() as PendingPublish;
      this.send(connected, pending);
    }
  }

  /**
   * Publishes with a broker confirm. While disconnected, waits in the buffer; a full buffer
   * fails at once.
   */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    properties: Options.Publish,
  ): Promise<void> {
    if (this.stopping) {
      return Promise.reject(new MessagingError('MESSAGING_CLOSED', 'messaging is shutting down.'));
    }
    if (!this.current && this.buffer.length >= this.options.publishBufferSize) {
      return Promise.reject(
        new MessagingError(
          'MESSAGING_BUFFER_FULL',
          `the broker connection is down and ${this.buffer.length} publishes already wait (publishBufferSize). Retry later.`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const pending: PendingPublish = {
        exchange,
        routingKey,
        content,
        properties,
        resolve,
        reject,
        settled: false,
        timer: setTimeout(() => {
          this.settle(
            pending,
            new MessagingError(
              'MESSAGING_PUBLISH_TIMEOUT',
              `the broker did not confirm the message for exchange "${exchange}" within ${this.options.publishTimeoutMs} ms (publishTimeoutMs).`,
            ),
          );
        }, this.options.publishTimeoutMs),
      };
      if (this.current) this.send(this.current, pending);
      else this.buffer.push(pending);
    });
  }

  /** How many publishes wait for the connection or the broker's confirm. */
  get pending(): number {
    return this.buffer.length + this.unconfirmed.size;
  }

  /** Waits for the pending confirms (bounded by their own timeouts). */
  async settled(): Promise<void> {
    while (this.unconfirmed.size > 0 || (this.current && this.buffer.length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops reconnecting, fails what still waits, and closes the connection. */
  async close(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const pending of [...this.buffer]) {
      this.settle(
        pending,
        new MessagingError(
          'MESSAGING_CLOSED',
          'messaging shut down before the broker was reachable.',
        ),
      );
    }
    const connected = this.current;
    this.current = undefined;
    if (connected) await connected.model.close().catch(() => {});
  }
}
