import { type DynamicModule, Module } from '@nestjs/common';

/**
 * Messaging, off: this service was generated without `--messaging`, so it has no broker.
 * `create-bulwark --messaging` puts `@bulwark/messaging` here (RabbitMQ over verified TLS,
 * signed messages, deny-by-default consumers); see the `@bulwark/messaging` README to add it
 * by hand.
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with register()
export class EventsModule {
  static register(): DynamicModule {
    return { module: EventsModule };
  }
}
