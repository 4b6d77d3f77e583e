// DPoP-protected requests against bearer requests, same app, same run: @bulwark/auth's guard in
// an app made by @bulwark/http's createSecureApp, over keep-alive HTTP. The bearer token is
// verified once and then served from the verified-token cache; the DPoP token is cached the same
// way, but each request carries a fresh proof (ES256) that is verified and claimed in the replay
// store. Next to it, one proof verification (`verifier.dpop.verify` of the app's TokenVerifier)
// is timed on its own in the server process, between the slices.
// The server is a child process that reports its own CPU time, so the cost per request is the
// server's alone (the client here pre-signs the proofs outside the timed slices). Slices of the
// two series alternate. Target: a DPoP request costs no more than one proof verification plus
// 10 µs over a cached bearer request. Build first: `pnpm build`.
// BENCH_ADAPTER=express|fastify (default fastify), BENCH_SLICES, BENCH_REQUESTS (per slice),
// BENCH_CONNECTIONS; BENCH_CPU_PROF=<dir> writes a --cpu-prof profile of the server there.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const ADAPTER = process.env.BENCH_ADAPTER ?? 'fastify';
const SLICES = Number(process.env.BENCH_SLICES ?? 8);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const TARGET_EXTRA_US = 10;

async function serve() {
  const { Controller, Get, Module } = await import('@nestjs/common');
  const { createSecureApp } = await import('@bulwark/http');
  const { AuthModule, TokenVerifier } = await import('../dist/index.js');
  const { issuer, audience, jwksUri } = JSON.parse(process.env.BENCH_ISSUER);
  class MeController {
    me() {
      return { ok: true };
    }
  }
  Get('me')(
    MeController.prototype,
    'me',
    Object.getOwnPropertyDescriptor(MeController.prototype, 'me'),
  );
  Controller()(MeController);
  class AppModule {}
  Module({
    imports: [AuthModule.forRoot({ issuer, audience, jwksUri })],
    controllers: [MeController],
  })(AppModule);
  const app = await createSecureApp(AppModule, {
    adapter: ADAPTER,
    logger: false,
    env: {},
    tls: false,
  });
  await app.listen(0, '127.0.0.1');
  const verifier = app.get(TokenVerifier);
  process.on('message', async (message) => {
    if (message === 'cpu') process.send(process.cpuUsage());
    // One proof verification, timed on its own in this process, with the app's own verifier.
    if (message?.verify) {
      const { proofs, target } = message.verify;
      const cpu = process.cpuUsage();
      for (const proof of proofs) await verifier.dpop.verify(proof, target);
      const used = process.cpuUsage(cpu);
      process.send(used.user + used.system);
    }
    if (message === 'close') {
      await app.close();
      process.exit(0);
    }
  });
  process.send({ port: app.getHttpServer().address().port });
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

function get(agent, port, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/me', agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

// Sends every request of `headers` over `CONNECTIONS` keep-alive connections; returns the wall
// time and the server's CPU microseconds meanwhile.
async function slice(child, agent, port, headers) {
  const before = await ask(child, 'cpu');
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < headers.length) await get(agent, port, headers[next++]);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const after = await ask(child, 'cpu');
  return { seconds, cpu: after.user - before.user + (after.system - before.system) };
}

async function drive() {
  const { createDpopKey, createDpopProof, createTestIssuer } = await import('@bulwark/testing');
  const issuer = await createTestIssuer({ audience: 'bench-api' });
  const prof = process.env.BENCH_CPU_PROF;
  const child = fork(fileURLToPath(import.meta.url), ['server'], {
    execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
    env: {
      ...process.env,
      BENCH_ISSUER: JSON.stringify({
        issuer: issuer.issuer,
        audience: 'bench-api',
        jwksUri: issuer.jwksUrl,
      }),
    },
  });
  try {
    const { port } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}/me`;
    const key = createDpopKey('ES256');
    const claims = { sub: 'bench', scope: 'notes:read' };
    const bearer = issuer.mint({ ttlSeconds: 3600, claims });
    const bound = issuer.mintDpopBound(key, { ttlSeconds: 3600, claims });
    const bearerHeaders = Array.from({ length: REQUESTS }, () => ({
      authorization: `Bearer ${bearer}`,
    }));
    // Fresh proofs for every slice: each (key, jti) is accepted once, and iat must be recent.
    const dpopHeaders = () =>
      Array.from({ length: REQUESTS }, () => ({
        authorization: `DPoP ${bound}`,
        dpop: createDpopProof(key, { method: 'GET', url, accessToken: bound }),
      }));

    const target = { method: 'GET', htu: url, accessToken: bound };
    const verifyAll = () =>
      ask(child, {
        verify: {
          proofs: Array.from({ length: REQUESTS }, () =>
            createDpopProof(key, { method: 'GET', url, accessToken: bound }),
          ),
          target,
        },
      });

    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    await slice(child, agent, port, bearerHeaders); // warm-up, and the token into the cache
    await slice(child, agent, port, dpopHeaders());
    await verifyAll();
    const totals = {
      bearer: { seconds: 0, cpu: 0 },
      dpop: { seconds: 0, cpu: 0 },
      verify: 0,
    };
    for (let round = 0; round < SLICES; round += 1) {
      const proofed = dpopHeaders();
      const order = round % 2 === 0 ? ['bearer', 'dpop'] : ['dpop', 'bearer'];
      for (const name of order) {
        const result = await slice(child, agent, port, name === 'bearer' ? bearerHeaders : proofed);
        totals[name].seconds += result.seconds;
        totals[name].cpu += result.cpu;
      }
      totals.verify += await verifyAll();
    }
    agent.destroy();

    const sent = SLICES * REQUESTS;
    const rate = (t) => sent / t.seconds;
    const cpuPerRequest = (t) => t.cpu / sent;
    const extra = cpuPerRequest(totals.dpop) - cpuPerRequest(totals.bearer);
    const verifyUs = totals.verify / sent;
    console.log(
      `@bulwark/auth DPoP against bearer (${ADAPTER}, createSecureApp + AuthModule, ${CONNECTIONS} keep-alive connections, ${SLICES} alternating slices of ${REQUESTS} requests, Node ${process.version})`,
    );
    console.log('series                     requests/s   server CPU µs/request');
    for (const [name, t] of [
      ['bearer (cached token)', totals.bearer],
      ['DPoP (fresh ES256 proof)', totals.dpop],
    ]) {
      console.log(
        `${name.padEnd(26)} ${Math.round(rate(t)).toLocaleString('en-US').padStart(10)}   ${cpuPerRequest(t).toFixed(1).padStart(21)}`,
      );
    }
    console.log(`extra per DPoP request:       ${extra.toFixed(1)} µs server CPU`);
    console.log(
      `one proof verification:       ${verifyUs.toFixed(1)} µs CPU (verifier.dpop.verify, ES256, in the server process)`,
    );
    const budget = verifyUs + TARGET_EXTRA_US;
    console.log(
      `target: extra <= verification + ${TARGET_EXTRA_US} µs = ${budget.toFixed(1)} µs -> ${extra <= budget ? 'MET' : 'NOT MET'} (${(extra - verifyUs).toFixed(1)} µs over one verification)`,
    );
  } finally {
    if (child.connected) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    }
    await issuer.close();
  }
}

if (process.argv[2] === 'server') await serve();
else await drive();
