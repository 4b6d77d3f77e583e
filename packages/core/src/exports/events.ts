/**
 * Security events: published by the packages on a `node:diagnostics_channel`, read by logging,
 * metrics and applications.
 *
 * @packageDocumentation
 */
export type { SecurityEvent, SecurityEventKind } from '../security-events.js';
export {
  publishSecurityEvent,
  SECURITY_EVENTS_CHANNEL,
  subscribeSecurityEvents,
} from '../security-events.js';
