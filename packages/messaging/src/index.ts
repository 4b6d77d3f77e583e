export { CONSUME_METADATA, Consume } from './consume.decorator.js';
export {
  ATTEMPT_HEADER,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PREFETCH,
  DEFAULT_PUBLISH_BUFFER_SIZE,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  DEFAULT_RETRY_DELAY_MS,
  MESSAGING_OPTIONS,
  SIGNATURE_HEADER,
  SIGNATURE_TYPE,
} from './messaging.constants.js';
export type { MessagingErrorCode } from './messaging.error.js';
export { MessagingError } from './messaging.error.js';
export { InjectMessagingOptions, MessagingModule } from './messaging.module.js';
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
} from './messaging-options.interface.js';
