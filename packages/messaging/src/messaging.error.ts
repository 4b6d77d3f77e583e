import { BulwarkError } from '@bulwark/core';

/**
 * Codes of {@link MessagingError}:
 * - `MESSAGING_ACCESS_REFUSED`: the broker refused the operation (403), such as a publish to an
 *   exchange the service's user may not write;
 * - `MESSAGING_NOT_FOUND`: the exchange does not exist (404);
 * - `MESSAGING_BUFFER_FULL`: the connection is down and the publish buffer is full;
 * - `MESSAGING_PUBLISH_TIMEOUT`: the broker did not confirm in time;
 * - `MESSAGING_NACKED`: the broker refused to take the message;
 * - `MESSAGING_CLOSED`: the module is shutting down;
 * - `MESSAGING_NO_SIGNING_KEY`: a publish without a signing key configured;
 * - `MESSAGING_INVALID_MESSAGE`: the payload cannot be published (not JSON, too large).
 */
export type MessagingErrorCode =
  | 'MESSAGING_ACCESS_REFUSED'
  | 'MESSAGING_NOT_FOUND'
  | 'MESSAGING_BUFFER_FULL'
  | 'MESSAGING_PUBLISH_TIMEOUT'
  | 'MESSAGING_NACKED'
  | 'MESSAGING_CLOSED'
  | 'MESSAGING_NO_SIGNING_KEY'
  | 'MESSAGING_INVALID_MESSAGE';

/**
 * An operation of `@bulwark/messaging` that failed; `code` says why.
 *
 * @example
 * ```ts
 * try {
 *   await messaging.publish('billing.commands', 'invoice.create', body);
 * } catch (error) {
 *   if (error instanceof MessagingError && error.code === 'MESSAGING_BUFFER_FULL') return retryLater();
 *   throw error;
 * }
 * ```
 */
export class MessagingError extends BulwarkError<MessagingErrorCode> {}
