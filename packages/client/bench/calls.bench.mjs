// Calls per second through @bulwark/client (client credentials, token cached, mTLS keep-alive)
// against plain undici with the same TLS settings and the same token, in the same run, to the
// same loopback mTLS server. Build first: `pnpm build`. Needs `openssl` (the test CA).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { createTestCa, createTestIssuer } from '@bulwark/testing';
import { Agent, request } from 'undici';
import { createServiceClient } from '../dist/index.js';

// Rounds of each series are interleaved and the best round kept, so that load from other
// processes during one stretch of time does not skew the ratio.
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TARGET = 0.8;
const AUDIENCE = 'https://orders.test';

/** Completed calls per second with CONCURRENCY calls in flight. */
async function rate(call) {
  const loop = async (until, counter) => {
    while (performance.now() < until) {
      await call();
      counter.n += 1;
    }
  };
  const warm = { n: 0 };
  const warmUntil = performance.now() + DURATION_MS / 4;
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(warmUntil, warm)));
  const counter = { n: 0 };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(start + DURATION_MS, counter)));
  return counter.n / ((performance.now() - start) / 1000);
}

const ca = createTestCa();
const serverCert = ca.issueServer();
const clientCert = ca.issueClient({ spiffeId: ca.spiffeId('bench', 'caller') });
const issuer = await createTestIssuer({ audience: AUDIENCE, ttlSeconds: 3600 });
issuer.registerClient({ clientId: 'bench-caller', secret: 'bench-secret-not-for-production' });
const secretFile = join(ca.dir, 'client-secret');
writeFileSync(secretFile, 'bench-secret-not-for-production');

const payload = JSON.stringify({ id: 'order-1', items: [{ sku: 'a', quantity: 2 }] });
const server = createServer(
  {
    cert: serverCert.cert,
    key: serverCert.key,
    ca: ca.certificate,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  },
  (req, res) => {
    if (!req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(payload);
  },
);
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `https://localhost:${server.address().port}`;

const bulwark = await createServiceClient({
  name: 'orders',
  baseUrl,
  audience: AUDIENCE,
  auth: { kind: 'clientCredentials' },
  tls: {
    fromEnv: false,
    caFile: ca.certificateFile,
    certFile: clientCert.certFile,
    keyFile: clientCert.keyFile,
  },
  env: {
    AUTH_TOKEN_URL: issuer.tokenUrl,
    AUTH_CLIENT_ID: 'bench-caller',
    AUTH_CLIENT_SECRET_FILE: secretFile,
  },
});
// The same TLS settings as the client's agent: CA, client certificate, TLS 1.2+, verification on.
const agent = new Agent({
  connect: {
    ca: ca.certificate,
    cert: clientCert.cert,
    key: clientCert.key,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    timeout: 2000,
  },
  headersTimeout: 5000,
  bodyTimeout: 10_000,
});

try {
  await bulwark.get('/v1/orders/1'); // fetches and caches the token
  const token = issuer.mint({ claims: { sub: 'bench-caller', aud: AUDIENCE }, ttlSeconds: 3600 });
  const series = {
    undici: async () => {
      const { statusCode, body } = await request(`${baseUrl}/v1/orders/1`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      if (statusCode !== 200) throw new Error(`undici: ${statusCode}`);
      await body.json();
    },
    bulwark: () => bulwark.get('/v1/orders/1'),
  };
  const best = { undici: 0, bulwark: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, run] of Object.entries(series)) {
      best[name] = Math.max(best[name], await rate(run));
    }
  }
  const tokenRequests = issuer.tokenRequests.length;
  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(9);
  console.log(
    `calls/s over mTLS keep-alive (best of ${ROUNDS} interleaved ${DURATION_MS} ms rounds, ${CONCURRENCY} in flight, Node ${process.version})`,
  );
  console.log(`plain undici      ${fmt(best.undici)}`);
  console.log(
    `@bulwark/client   ${fmt(best.bulwark)}   (token requests during the run: ${tokenRequests})`,
  );
  const ratio = best.bulwark / best.undici;
  console.log(
    `target: bulwark >= ${TARGET}x undici -> ${ratio.toFixed(2)}x ${ratio >= TARGET ? 'MET' : 'NOT MET'}`,
  );
} finally {
  await bulwark.close();
  await agent.close();
  await new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
  await issuer.close();
  ca.close();
}
