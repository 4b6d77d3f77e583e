import { describe, expect, it } from 'vitest';
import {
  publishSecurityEvent,
  type SecurityEvent,
  subscribeSecurityEvents,
} from './security-events.js';

describe('security events', () => {
  it('delivers published events to subscribers until they unsubscribe', () => {
    const seen: SecurityEvent[] = [];
    const stop = subscribeSecurityEvents((event) => seen.push(event));
    publishSecurityEvent({ kind: 'authentication.failed', reason: 'expired', requestId: 'r1' });
    stop();
    publishSecurityEvent({ kind: 'authentication.failed', reason: 'late' });
    expect(seen).toEqual([{ kind: 'authentication.failed', reason: 'expired', requestId: 'r1' }]);
  });
});
