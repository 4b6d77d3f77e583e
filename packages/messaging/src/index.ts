// Module

// Consuming
export { Consume } from './consume.decorator.js';
// Errors
export type { MessagingErrorCode } from './messaging.error.js';
export { MessagingError } from './messaging.error.js';
export { MessagingModule } from './messaging.module.js';
export { InjectMessagingOptions } from './messaging.module-definition.js';
// Publishing
export { MessagingService } from './messaging.service.js';
export type {
  ConsumedMessage,
  ConsumeOptions,
  DtoClass,
  MessageActor,
  MessagingMetricsRegistry,
  PublishOptions,
  PublishResult,
  QueueStats,
  RejectionReason,
} from './messaging.types.js';
export type {
  ExchangeDeclaration,
  MessagingLogEntry,
  MessagingModuleOptions,
  MessagingOptionsFactory,
  ResolvedMessagingOptions,
} from './messaging-options.interface.js';
