import { describe, expect, it } from 'vitest';
import {
  countTlsReloadFailure,
  reportTlsCertificates,
  tlsCertificates,
  tlsReloadFailures,
  withdrawTlsCertificates,
} from './tls-status.js';

describe('TLS status registry', () => {
  it('keeps what each open listener serves, replaced on report and gone on withdraw', () => {
    const first = {};
    const second = {};
    const a = new Date('2030-01-01T00:00:00Z');
    const b = new Date('2031-01-01T00:00:00Z');
    reportTlsCertificates(first, [{ certificate: 'server', notAfter: a }]);
    reportTlsCertificates(second, [{ certificate: 'client_ca', notAfter: b }]);
    reportTlsCertificates(first, [{ certificate: 'server', notAfter: b }]);
    expect(tlsCertificates()).toEqual([
      { certificate: 'server', notAfter: b },
      { certificate: 'client_ca', notAfter: b },
    ]);
    withdrawTlsCertificates(first);
    withdrawTlsCertificates(second);
    expect(tlsCertificates()).toEqual([]);
  });

  it('counts refused replacements by file', () => {
    const before = tlsReloadFailures().get('key') ?? 0;
    countTlsReloadFailure('key');
    countTlsReloadFailure('key');
    expect(tlsReloadFailures().get('key')).toBe(before + 2);
  });
});
