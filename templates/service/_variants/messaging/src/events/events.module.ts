import { isProduction } from '@bulwark/core';
import { MessagingModule } from '@bulwark/messaging';
import { type DynamicModule, Module } from '@nestjs/common';

/**
 * RabbitMQ through `@bulwark/messaging`: verified TLS and mTLS with SASL EXTERNAL (the
 * service's certificate, TLS_CERT_FILE / TLS_KEY_FILE), signed messages, deny-by-default
 * `@Consume()` handlers, bounded retries and dead-lettering, a drain on SIGTERM.
 *
 * Outside production without AMQP_URL (local development, the tests), the service runs without
 * the broker. In production AMQP_URL (or AMQP_URL_FILE) is required.
 *
 * Publish with `MessagingService.publish('service.events', 'thing.happened', body, { actor })`;
 * consume with `@Consume({ queue: 'service.work', exchange, type, producers, dto })` on a
 * provider of a module that imports `EventsModule.register()`.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with register()
export class EventsModule {
  static register(): DynamicModule {
    const env = process.env;
    if (!env.AMQP_URL && !env.AMQP_URL_FILE && !isProduction()) return { module: EventsModule };
    const messaging = MessagingModule.forRoot({
      exchanges: [{ name: env.EVENTS_EXCHANGE ?? 'service.events', type: 'topic' }],
    });
    return { module: EventsModule, imports: [messaging], exports: [messaging] };
  }
}
