import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { resolveMessagingOptions } from './internal/resolve-options.js';
import {
  MESSAGING_ASYNC_OPTIONS_TYPE,
  MESSAGING_OPTIONS_TYPE,
  MessagingConfigurableModule,
  RESOLVED_MESSAGING_OPTIONS,
  resolvedMessagingOptionsProvider,
} from './messaging.module-definition.js';
import { MessagingService } from './messaging.service.js';

/**
 * RabbitMQ with the secure way as the default way: verified TLS (mTLS with SASL `EXTERNAL`
 * when a client certificate is set), signed messages that carry the acting identity,
 * deny-by-default `@Consume()` handlers with validated payloads, bounded retries and a
 * dead-letter queue, readiness 503 while the broker is unreachable, and a drain on SIGTERM in
 * `@bulwark/shutdown`'s hook phase.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ShutdownModule.forRoot(),
 *     MessagingModule.forRoot({ exchanges: [{ name: 'orders.events' }] }),
 *   ],
 *   providers: [Invoicing],
 * })
 * class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers: [MessagingService, resolvedMessagingOptionsProvider],
  exports: [MessagingService, RESOLVED_MESSAGING_OPTIONS],
})
export class MessagingModule extends MessagingConfigurableModule {
  /**
   * Registers messaging with options known now; they and the environment are validated here.
   * @default url from AMQP_URL / AMQP_URL_FILE, prefetch 16, maxAttempts 5
   */
  static override forRoot(options: typeof MESSAGING_OPTIONS_TYPE = {}): DynamicModule {
    resolveMessagingOptions(options);
    return super.forRoot(options);
  }

  /** Registers messaging with options from a factory or class; validated when resolved. */
  static override forRootAsync(options: typeof MESSAGING_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
