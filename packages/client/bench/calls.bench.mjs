// Calls per second through @bulwark/client (client credentials, token cached, mTLS keep-alive)
// against plain undici with the same TLS settings and the same token, in the same run, to the
// same loopback mTLS server. Build first: `pnpm build`. Needs `openssl` (the test CA).
//
// BENCH_BASELINE_DIST=<dir> adds a third series: another build of this package (for example the
// dist of the previous commit, copied aside), interleaved with the others, for an A/B of a change.
// BENCH_SERIES=undici,bulwark runs only the named series (undici, dispatch, bulwark, baseline),
// for a profile of one of them.
// BENCH_CPU_PROFILE=<dir> writes a CPU profile of each measured run (not the warm-up) there, with
// the number of calls in its file name.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTestCa, createTestIssuer } from '@bulwark/testing';
import { Agent, request } from 'undici';
import { createServiceClient } from '../dist/index.js';

// Rounds of each series are interleaved (the order alternating from one round to the next), so
// that load from other processes during one stretch of time does not skew the ratio: the verdict
// is the median of the ratios of adjacent runs.
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BASELINE_DIST = process.env.BENCH_BASELINE_DIST;
const ONLY = process.env.BENCH_SERIES?.split(',').map((name) => name.trim());
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE;
const profiler = PROFILE_DIR ? new Session() : undefined;
if (profiler) {
  mkdirSync(PROFILE_DIR, { recursive: true });
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
}
const TARGET = 0.8;
const AUDIENCE = 'https://orders.test';

/**
 * Completed calls per second with CONCURRENCY calls in flight, and the process's CPU time per
 * call (client and the in-process server together).
 */
async function rate(call, name) {
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
  await profiler?.post('Profiler.start');
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(start + DURATION_MS, counter)));
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    const cpuUs = Math.round((used.user + used.system) / counter.n);
    const file = join(PROFILE_DIR, `${name}-${Date.now()}-${counter.n}calls-${cpuUs}us.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
  }
  return { rate: counter.n / seconds, cpuUs: (used.user + used.system) / counter.n };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

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

const clientOptions = {
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
};
const bulwark = await createServiceClient(clientOptions);
const baseline = BASELINE_DIST
  ? await (
      await import(pathToFileURL(join(resolve(BASELINE_DIST), 'index.js')).href)
    ).createServiceClient(clientOptions)
  : undefined;
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
  await baseline?.get('/v1/orders/1');
  const token = issuer.mint({ claims: { sub: 'bench-caller', aud: AUDIENCE }, ttlSeconds: 3600 });
  const dispatchHeaders = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const all = {
    undici: async () => {
      const { statusCode, body } = await request(`${baseUrl}/v1/orders/1`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
      if (statusCode !== 200) throw new Error(`undici: ${statusCode}`);
      await body.json();
    },
    // The floor under any client built on undici: its dispatcher with a handler that keeps the
    // body and parses it, no deadline, no checks. Shown for reference; the target is against
    // request() above, the way undici is ordinarily used.
    dispatch: () =>
      new Promise((resolve, reject) => {
        const chunks = [];
        let status = 0;
        agent.dispatch(
          { origin: baseUrl, path: '/v1/orders/1', method: 'GET', headers: dispatchHeaders },
          {
            onRequestStart() {},
            onResponseStart(_controller, statusCode) {
              status = statusCode;
            },
            onResponseData(_controller, chunk) {
              chunks.push(chunk);
            },
            onResponseEnd() {
              if (status !== 200) reject(new Error(`dispatch: ${status}`));
              else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            },
            onResponseError(_controller, error) {
              reject(error);
            },
          },
        );
      }),
    bulwark: () => bulwark.get('/v1/orders/1'),
    ...(baseline ? { baseline: () => baseline.get('/v1/orders/1') } : {}),
  };
  const series = Object.entries(all).filter(([name]) => !ONLY || ONLY.includes(name));
  const runs = Object.fromEntries(series.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? series : [...series].reverse();
    for (const [name, run] of order) runs[name].push(await rate(run, name));
  }
  const tokenRequests = issuer.tokenRequests.length;
  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(9);
  console.log(
    `calls/s over mTLS keep-alive (${ROUNDS} interleaved ${DURATION_MS} ms rounds, ${CONCURRENCY} in flight, Node ${process.version})`,
  );
  console.log(
    'series            best calls/s  median calls/s  median CPU µs/call (with the server)',
  );
  const label = {
    undici: 'plain undici',
    dispatch: 'undici dispatch',
    bulwark: '@bulwark/client',
    baseline: 'baseline dist',
  };
  for (const [name] of series) {
    const rates = runs[name].map((entry) => entry.rate);
    console.log(
      `${label[name].padEnd(16)}  ${fmt(Math.max(...rates))}     ${fmt(median(rates))}       ${median(
        runs[name].map((entry) => entry.cpuUs),
      )
        .toFixed(1)
        .padStart(6)}`,
    );
  }
  console.log(`token requests during the run: ${tokenRequests}`);
  const paired = (a, b) => median(runs[a].map((entry, round) => entry.rate / runs[b][round].rate));
  if (runs.baseline && runs.bulwark) {
    console.log(
      `this build / baseline dist: ${paired('bulwark', 'baseline').toFixed(2)}x (median of rounds)`,
    );
  }
  if (runs.dispatch && runs.bulwark) {
    console.log(
      `bulwark / undici dispatch (the floor): ${paired('bulwark', 'dispatch').toFixed(2)}x (median of rounds)`,
    );
  }
  if (runs.baseline) {
    console.log(
      'note: a baseline build may leave work behind (timers, garbage) that slows the other series; take the verdict from a run without BENCH_BASELINE_DIST',
    );
  }
  if (runs.undici && runs.bulwark) {
    const ratio = paired('bulwark', 'undici');
    const best =
      Math.max(...runs.bulwark.map((entry) => entry.rate)) /
      Math.max(...runs.undici.map((entry) => entry.rate));
    console.log(
      `target: bulwark >= ${TARGET}x undici -> ${ratio.toFixed(2)}x (median of rounds; best of rounds ${best.toFixed(2)}x) ${ratio >= TARGET ? 'MET' : 'NOT MET'}`,
    );
  }
} finally {
  await bulwark.close();
  await baseline?.close();
  await agent.close();
  await new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
  await issuer.close();
  ca.close();
}
