import { Module } from '@nestjs/common';
import { DataModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { NotesModule } from './notes/notes.module.js';

/**
 * The service's own features. Import yours here.
 *
 * Every security control is added around this module by `startService()` from
 * `@bulwark/service` (see main.ts), in request-path order: request ids, security headers, body
 * limits, JSON logs, authentication, rate limiting, authorization (deny by default: a route
 * that is neither `@Public()` nor declares a requirement stops start-up), strict validation,
 * problem+json errors, health probes, graceful shutdown, metrics and tracing.
 * `DataModule` is the database (see src/database and migrations/).
 * `EventsModule` is RabbitMQ messaging, on with `create-bulwark --messaging` (see src/events).
 */
@Module({ imports: [DataModule, EventsModule.register(), NotesModule] })
export class AppModule {}
