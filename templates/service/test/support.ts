import { createServer } from 'node:net';
import { createService } from '@bulwark/service';
import type { TestIssuer } from '@bulwark/testing';
import { ADAPTER } from '../src/adapter.js';
import { AppModule } from '../src/app.module.js';

/** A service listening on loopback for one test file. */
export interface RunningService {
  /** The public listener, such as `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The separate metrics listener's `/metrics`. */
  readonly metricsUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the service exactly as main.ts does (same module, same adapter, every control), but
 * trusting a test issuer instead of a real identity provider, with the given environment.
 */
export async function startTestService(
  issuer: TestIssuer,
  env: Record<string, string> = {},
): Promise<RunningService> {
  const metricsPort = await freePort();
  const app = await createService(AppModule, {
    adapter: ADAPTER,
    env: {
      NODE_ENV: 'test',
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS_URL: issuer.jwksUrl,
      ...env,
    },
    metrics: { port: metricsPort, host: '127.0.0.1' },
    // Signals belong to the test runner; app.close() is enough here.
    shutdown: false,
    logging: { destination: { write: () => true } },
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    close: () => app.close(),
  };
}

/** Polls `url` until it answers `status` (readiness waits for the issuer's keys), bounded. */
export async function waitForStatus(url: string, status: number): Promise<Response> {
  let response = await fetch(url);
  for (let i = 0; i < 50 && response.status !== status; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    response = await fetch(url);
  }
  return response;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
