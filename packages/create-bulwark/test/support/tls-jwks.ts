import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { TestIssuer } from '@bulwark/test-harness';
import { sh } from './cli.js';

/** An https endpoint on loopback serving the test issuer's JWKS, with a fresh self-signed cert. */
export interface TlsJwks {
  url: string;
  certificate: string;
  hits: number;
  close(): Promise<void>;
}

/** Starts it: `openssl` makes a one-day EC certificate for 127.0.0.1 in `dir`. */
export async function startTlsJwks(issuer: TestIssuer, dir: string): Promise<TlsJwks> {
  const key = join(dir, 'jwks-key.pem');
  const cert = join(dir, 'jwks-cert.pem');
  sh(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    dir,
  );
  const state = { hits: 0 };
  const server = createHttpsServer(
    { key: readFileSync(key), cert: readFileSync(cert) },
    (_req, res) => {
      state.hits += 1;
      fetch(issuer.jwksUrl)
        .then(async (upstream) => {
          res.writeHead(upstream.status, { 'content-type': 'application/json' });
          res.end(await upstream.text());
        })
        .catch(() => res.writeHead(502).end());
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}${new URL(issuer.jwksUrl).pathname}`,
    certificate: readFileSync(cert, 'utf8'),
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
