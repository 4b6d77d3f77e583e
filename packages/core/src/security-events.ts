import diagnosticsChannel from 'node:diagnostics_channel';

/** The kinds of security event Bulwark packages publish. */
export type SecurityEventKind =
  | 'authentication.failed'
  | 'authorization.denied'
  | 'rate_limit.exceeded'
  | 'input.rejected';

/**
 * A structured security event, shaped for a SIEM. It never carries a token or a secret.
 */
export interface SecurityEvent {
  /** What happened. */
  kind: SecurityEventKind;
  /** A stable machine-readable reason, such as `expired` or `insufficient_scope`. */
  reason: string;
  /** The request id, when the event belongs to a request. */
  requestId?: string | undefined;
  /** The principal id (`iss|sub`), when the caller was authenticated. */
  principalId?: string | undefined;
  /** The route template, such as `GET /v1/notes/:id`. */
  route?: string | undefined;
  /** The client address, after trusted-proxy resolution. */
  clientAddress?: string | undefined;
  /** Further safe details, such as the rate-limit policy name or the authorization action. */
  details?: Record<string, string | number | boolean> | undefined;
}

/**
 * The `node:diagnostics_channel` name security events go to. Publishers and subscribers need
 * no shared module instance, so `@bulwark/logging` and `@bulwark/metrics` see events from any
 * package, however the application was assembled.
 */
export const SECURITY_EVENTS_CHANNEL = 'bulwark:security-event';

const channel = diagnosticsChannel.channel(SECURITY_EVENTS_CHANNEL);

/** Publishes a security event to every subscriber. Costs nothing when nobody listens. */
export function publishSecurityEvent(event: SecurityEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}

/**
 * Subscribes to security events. Returns the function that unsubscribes.
 *
 * @example
 * ```ts
 * const stop = subscribeSecurityEvents((event) => counter.inc({ kind: event.kind }));
 * ```
 */
export function subscribeSecurityEvents(listener: (event: SecurityEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as SecurityEvent);
  diagnosticsChannel.subscribe(SECURITY_EVENTS_CHANNEL, handler);
  return () => {
    diagnosticsChannel.unsubscribe(SECURITY_EVENTS_CHANNEL, handler);
  };
}
