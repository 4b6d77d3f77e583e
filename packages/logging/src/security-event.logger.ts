import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import type { Logger } from 'pino';

/**
 * Logs every security event published through `@bulwark/core` as a `warn` line a SIEM can
 * filter on `event.kind` (`authentication.failed`, `authorization.denied`,
 * `rate_limit.exceeded`, `input.rejected`) and `event.category` (`security`). Returns the
 * function that stops it.
 *
 * @example
 * ```ts
 * const stop = logSecurityEvents(createLogger());
 * ```
 */
export function logSecurityEvents(logger: Logger): () => void {
  return subscribeSecurityEvents((event: SecurityEvent) => {
    logger.warn(
      {
        event: {
          kind: event.kind,
          category: 'security',
          reason: event.reason,
          ...(event.details ? { details: event.details } : {}),
        },
        requestId: event.requestId,
        principalId: event.principalId,
        route: event.route,
        clientAddress: event.clientAddress,
      },
      `security event: ${event.kind}`,
    );
  });
}
