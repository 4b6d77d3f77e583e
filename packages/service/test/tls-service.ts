import { MetricsService } from '@bulwark/metrics';
import type { AdapterName, IssuedCertificate, TestCa, TestIssuer } from '@bulwark/test-harness';
import type { INestApplication, Type } from '@nestjs/common';
import { createService } from '../src/index.js';

/** A service started by {@link startTlsService}. */
export interface TlsService {
  readonly app: INestApplication;
  /** Its HTTPS port on 127.0.0.1. */
  readonly port: number;
  /** The metrics endpoint, on its own plain-HTTP port. */
  readonly metricsUrl: string;
}

/**
 * `createService(module)` serving HTTPS on loopback with `server`'s certificate and client
 * certificates verified against `ca` (`TLS_*` variables, plus `env`), tokens from `issuer`,
 * metrics on a free port, logs discarded and no shutdown signals.
 */
export async function startTlsService(
  module: Type<unknown>,
  options: {
    adapter: AdapterName;
    ca: TestCa;
    server: IssuedCertificate;
    issuer: TestIssuer;
    env?: Record<string, string>;
  },
): Promise<TlsService> {
  const { adapter, ca, server, issuer } = options;
  const app = await createService(module, {
    adapter,
    env: {
      NODE_ENV: 'test',
      TLS_CERT_FILE: server.certFile,
      TLS_KEY_FILE: server.keyFile,
      TLS_CLIENT_CA_FILE: ca.certificateFile,
      ...options.env,
    },
    auth: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
    shutdown: false,
    metrics: { port: 0 },
    logging: { destination: { write: () => true } },
  });
  await app.listen(0, '127.0.0.1');
  return {
    app,
    port: (app.getHttpServer().address() as { port: number }).port,
    metricsUrl: `http://127.0.0.1:${app.get(MetricsService).port}/metrics`,
  };
}
