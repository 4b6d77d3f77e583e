import { tlsCertificates, tlsReloadFailures } from '@bulwark/core/tls';
import { Counter, Gauge, type Registry } from 'prom-client';
import { metric } from './metric.js';

/**
 * The TLS material of the main listener, read from `@bulwark/core`'s TLS status at each scrape:
 * when each certificate expires, and how many replacements were refused.
 */
export function registerTlsMetrics(registry: Registry): void {
  metric(
    registry,
    'bulwark_tls_certificate_expiry_seconds',
    (registers) =>
      new Gauge({
        name: 'bulwark_tls_certificate_expiry_seconds',
        help: 'Unix time at which the TLS certificate in use expires: the server certificate, and the earliest of the client CA bundle.',
        labelNames: ['certificate'],
        registers,
        collect() {
          this.reset();
          for (const status of tlsCertificates()) {
            this.set({ certificate: status.certificate }, status.notAfter.getTime() / 1000);
          }
        },
      }),
  );
  metric(
    registry,
    'bulwark_tls_reload_failures_total',
    (registers) =>
      new Counter({
        name: 'bulwark_tls_reload_failures_total',
        help: 'Replacements of TLS material refused (unparsable, or a key that does not match); the previous material stayed in use.',
        labelNames: ['file'],
        registers,
        collect() {
          this.reset();
          for (const [file, count] of tlsReloadFailures()) this.inc({ file }, count);
        },
      }),
  );
}
