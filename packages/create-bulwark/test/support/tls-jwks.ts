import { createServer as createHttpsServer } from 'node:https';
import { createTestCa, type TestIssuer } from '@bulwark/test-harness';

/** An https endpoint on loopback serving the test issuer's JWKS, with a certificate from a fresh test CA. */
export interface TlsJwks {
  url: string;
  certificate: string;
  hits: number;
  close(): Promise<void>;
}

/** Starts it, serving a loopback certificate from a fresh test CA (kept in `dir`). */
export async function startTlsJwks(issuer: TestIssuer, dir: string): Promise<TlsJwks> {
  const ca = createTestCa({ dir });
  const served = ca.issueServer();
  const state = { hits: 0 };
  const server = createHttpsServer({ key: served.key, cert: served.cert }, (_req, res) => {
    state.hits += 1;
    fetch(issuer.jwksUrl)
      .then(async (upstream) => {
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(await upstream.text());
      })
      .catch(() => res.writeHead(502).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}${new URL(issuer.jwksUrl).pathname}`,
    certificate: ca.certificate,
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
