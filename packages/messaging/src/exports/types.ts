/**
 * The types of the options and hooks an application rarely spells out: an exchange to declare
 * (`exchanges`), the entry the `log` hook receives, the registry `registerMetrics()` takes, what
 * `stats()` returns per queue, and the DTO class type of `@Consume()`'s `dto`.
 *
 * @packageDocumentation
 */

export type { DtoClass, MessagingMetricsRegistry, QueueStats } from '../messaging.types.js';
export type { ExchangeDeclaration, MessagingLogEntry } from '../messaging-options.interface.js';
