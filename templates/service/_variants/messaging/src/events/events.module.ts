import { BulwarkConfigError } from '@bulwark/core';
import { isProduction } from '@bulwark/core/env';
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
 * provider of a module that imports `EventsModule.register()`. The per-queue counters
 * (`bulwark_messaging_*`) are on the metrics port with no wiring.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with register()
export class EventsModule {
  static register(): DynamicModule {
    const env = process.env;
    if (!env.AMQP_URL && !env.AMQP_URL_FILE && !isProduction()) return { module: EventsModule };
    // Resolved while the app is created, not when this file is imported: a bad AMQP_* or
    // MESSAGING_* value then stops start-up with one JSON line naming it, not a stack trace.
    const messaging = MessagingModule.forRootAsync({
      useFactory: () => ({
        exchanges: [{ name: eventsExchange(env.EVENTS_EXCHANGE), type: 'topic' as const }],
      }),
    });
    return { module: EventsModule, imports: [messaging], exports: [messaging] };
  }
}

/** EVENTS_EXCHANGE, default `service.events`: a name of the service's own, never `amq.*`. */
function eventsExchange(raw: string | undefined): string {
  const name = raw ?? 'service.events';
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(name) || name.startsWith('amq.')) {
    throw new BulwarkConfigError(
      'EVENTS_EXCHANGE',
      'must be 1 to 200 letters, digits or . _ : - and not start with amq. (reserved by the broker). Set EVENTS_EXCHANGE to an exchange of this service, such as service.events.',
    );
  }
  return name;
}
