import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { Counter, type Registry } from 'prom-client';
import { metric } from './metric.js';

/** Label values come from events; cap their length so a buggy publisher cannot bloat a series. */
const MAX_LABEL_LENGTH = 64;

function label(value: unknown, fallback: string): string {
  if (typeof value !== 'string' && typeof value !== 'number') return fallback;
  const text = String(value);
  return text === '' ? fallback : text.slice(0, MAX_LABEL_LENGTH);
}

/** Counts the security events of `@bulwark/core`'s channel. */
export class SecurityMetrics {
  private readonly authentication: Counter<'reason'>;
  private readonly authorization: Counter<'reason'>;
  private readonly rateLimited: Counter<'policy'>;
  private readonly inputRejected: Counter<'reason'>;
  private unsubscribe: (() => void) | undefined;

  constructor(registry: Registry) {
    this.authentication = metric(
      registry,
      'bulwark_authentication_failures_total',
      (registers) =>
        new Counter({
          name: 'bulwark_authentication_failures_total',
          help: 'Requests whose authentication failed, by reason.',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.authorization = metric(
      registry,
      'bulwark_authorization_denials_total',
      (registers) =>
        new Counter({
          name: 'bulwark_authorization_denials_total',
          help: 'Requests denied by authorization, by reason.',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.rateLimited = metric(
      registry,
      'bulwark_rate_limited_requests_total',
      (registers) =>
        new Counter({
          name: 'bulwark_rate_limited_requests_total',
          help: 'Requests refused by a rate limit, by policy.',
          labelNames: ['policy'],
          registers,
        }),
    );
    this.inputRejected = metric(
      registry,
      'bulwark_input_rejections_total',
      (registers) =>
        new Counter({
          name: 'bulwark_input_rejections_total',
          help: 'Requests whose input was rejected, by reason.',
          labelNames: ['reason'],
          registers,
        }),
    );
  }

  start(): void {
    this.unsubscribe ??= subscribeSecurityEvents((event) => this.record(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private record(event: SecurityEvent): void {
    const kind = event.kind;
    switch (kind) {
      case 'authentication.failed':
        this.authentication.inc({ reason: label(event.reason, 'unknown') });
        return;
      case 'authorization.denied':
        this.authorization.inc({ reason: label(event.reason, 'unknown') });
        return;
      case 'rate_limit.exceeded':
        this.rateLimited.inc({ policy: label(event.details?.policy, 'default') });
        return;
      case 'input.rejected':
        this.inputRejected.inc({ reason: label(event.reason, 'unknown') });
        return;
      default: {
        const unknownKind: never = kind;
        return void unknownKind;
      }
    }
  }
}
