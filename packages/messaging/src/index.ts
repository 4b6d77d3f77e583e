// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/messaging`: what an application calls or types. The types of the rarer options and
 * hooks are in `@bulwark/messaging/types`, listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { MessagingModule } from './messaging.module.js';
export { InjectMessagingOptions } from './messaging.module-definition.js';
export type {
  MessagingModuleOptions,
  MessagingOptionsFactory,
  ResolvedMessagingOptions,
} from './messaging-options.interface.js';

// Publishing
export { MessagingService } from './messaging.service.js';
export type { MessageActor, PublishOptions, PublishResult } from './messaging.types.js';

// Consuming
export { Consume } from './consume.decorator.js';
export type { ConsumedMessage, ConsumeOptions, RejectionReason } from './messaging.types.js';

// Errors
export type { MessagingErrorCode } from './messaging.error.js';
export { MessagingError } from './messaging.error.js';
