import {
  countTlsReloadFailure,
  reportTlsCertificates,
  withdrawTlsCertificates,
} from '@bulwark/core/tls';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { registerTlsMetrics } from './tls-metrics.js';

const listener = {};
afterEach(() => withdrawTlsCertificates(listener));

describe('registerTlsMetrics', () => {
  it('exports when each certificate in use expires, as Unix seconds, read at scrape time', async () => {
    const registry = new Registry();
    registerTlsMetrics(registry);
    expect(await registry.metrics()).not.toContain('bulwark_tls_certificate_expiry_seconds{');
    reportTlsCertificates(listener, [
      { certificate: 'server', notAfter: new Date('2030-01-02T03:04:05Z') },
      { certificate: 'client_ca', notAfter: new Date('2031-01-01T00:00:00Z') },
    ]);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE bulwark_tls_certificate_expiry_seconds gauge');
    expect(text).toContain(
      'bulwark_tls_certificate_expiry_seconds{certificate="server"} 1893553445',
    );
    expect(text).toContain(
      'bulwark_tls_certificate_expiry_seconds{certificate="client_ca"} 1924992000',
    );
    withdrawTlsCertificates(listener);
    expect(await registry.metrics()).not.toContain('certificate="server"');
  });

  it('counts refused replacements by file', async () => {
    const registry = new Registry();
    registerTlsMetrics(registry);
    const before = /bulwark_tls_reload_failures_total\{file="client_ca"\} (\d+)/.exec(
      await registry.metrics(),
    );
    countTlsReloadFailure('client_ca');
    expect(await registry.metrics()).toContain(
      `bulwark_tls_reload_failures_total{file="client_ca"} ${Number(before?.[1] ?? 0) + 1}`,
    );
  });
});
