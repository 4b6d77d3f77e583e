// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { MessagingModule } from './messaging.module.js';
export { InjectMessagingOptions } from './messaging.module-definition.js';
export type {
  ExchangeDeclaration,
  MessagingLogEntry,
  MessagingModuleOptions,
  MessagingOptionsFactory,
  ResolvedMessagingOptions,
} from './messaging-options.interface.js';

// Publishing
export { MessagingService } from './messaging.service.js';
export type {
  MessageActor,
  MessagingMetricsRegistry,
  PublishOptions,
  PublishResult,
  QueueStats,
} from './messaging.types.js';

// Consuming
export { Consume } from './consume.decorator.js';
export type {
  ConsumedMessage,
  ConsumeOptions,
  DtoClass,
  RejectionReason,
} from './messaging.types.js';

// Errors
export type { MessagingErrorCode } from './messaging.error.js';
export { MessagingError } from './messaging.error.js';
