import {
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
} from '@bulwark/core/lifecycle';
import type { TlsMaterial } from './tls-material.js';

/**
 * Readiness of the listener's TLS: down once the certificate in use has expired, since every
 * verifying client refuses it. A renewed certificate written to the file brings it back.
 */
@ReadinessIndicator('tls')
export class TlsReadiness implements ReadinessCheck {
  constructor(
    private readonly material: TlsMaterial,
    private readonly now: () => number = Date.now,
  ) {}

  readiness(): ReadinessResult {
    const notAfter = this.material.notAfter;
    const mutual = this.material.options.clientCaFile !== undefined;
    const info = { clientCertificates: mutual ? this.material.options.clientAuth : 'off' };
    if (notAfter.getTime() <= this.now()) {
      return {
        ready: false,
        detail: `the server certificate expired at ${notAfter.toISOString()}`,
        info,
      };
    }
    return { ready: true, info };
  }
}
