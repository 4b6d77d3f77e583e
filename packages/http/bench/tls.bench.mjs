// The cost of TLS on @bulwark/http's main listener, all measured in the same run:
// - full handshakes per second against one mTLS listener, with and without a client certificate
//   (it asks for one in the handshake and enforces it per route, so both complete);
// - requests per second over keep-alive connections: mTLS with a client certificate against
//   plain HTTP, the same app in the same process.
// The server is a child process that reports its own CPU time, so the per-operation cost below
// is the server's alone; the client (this process) is not counted. Series are interleaved in
// short slices so that load from other processes hits them alike. Build first: `pnpm build`.
// BENCH_ADAPTER=express|fastify (default fastify), BENCH_SLICES, BENCH_SLICE_MS, BENCH_CONNECTIONS.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';

const ADAPTER = process.env.BENCH_ADAPTER ?? 'fastify';
const SLICES = Number(process.env.BENCH_SLICES ?? 6);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 500);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

async function serve() {
  const { Controller, Get, Module } = await import('@nestjs/common');
  const { createSecureApp } = await import('../dist/index.js');
  class PingController {
    ping() {
      return { ok: true };
    }
  }
  Get('ping')(
    PingController.prototype,
    'ping',
    Object.getOwnPropertyDescriptor(PingController.prototype, 'ping'),
  );
  Controller()(PingController);
  class AppModule {}
  Module({ controllers: [PingController] })(AppModule);
  const { certFile, keyFile, clientCaFile } = JSON.parse(process.env.BENCH_TLS);
  const common = { adapter: ADAPTER, logger: false, env: {} };
  const mtls = await createSecureApp(AppModule, {
    ...common,
    tls: { certFile, keyFile, clientCaFile },
  });
  const plain = await createSecureApp(AppModule, { ...common, tls: false });
  await mtls.listen(0, '127.0.0.1');
  await plain.listen(0, '127.0.0.1');
  let handshakes = 0;
  mtls.getHttpServer().on('secureConnection', () => {
    handshakes += 1;
  });
  process.on('message', async (message) => {
    if (message === 'stats') process.send({ cpu: process.cpuUsage(), handshakes });
    if (message === 'close') {
      await mtls.close();
      await plain.close();
      process.exit(0);
    }
  });
  process.send({
    mtls: mtls.getHttpServer().address().port,
    plain: plain.getHttpServer().address().port,
  });
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

// Runs `once` on `CONNECTIONS` callers for `SLICE_MS`; returns the operations done and the
// server's CPU microseconds (user + system) and completed handshakes meanwhile.
async function slice(child, once) {
  const before = await ask(child, 'stats');
  const start = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() - start < SLICE_MS) {
        await once();
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const after = await ask(child, 'stats');
  const cpu = after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
  return { done, seconds, cpu, handshakes: after.handshakes - before.handshakes };
}

function handshake(port, ca, client) {
  return new Promise((resolve, reject) => {
    // No session is offered, so every connection is a full handshake.
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: 'localhost',
      ...(client ? { cert: client.cert, key: client.key } : {}),
    });
    socket.once('secureConnect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}

function get(send, agent, port, extra = {}) {
  return new Promise((resolve, reject) => {
    const req = send({ host: '127.0.0.1', port, path: '/ping', agent, ...extra }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function drive() {
  const { createTestCa } = await import('@bulwark/testing');
  const ca = createTestCa();
  const server = ca.issueServer();
  const client = ca.issueClient({ spiffeId: ca.spiffeId('bench', 'client') });
  const child = fork(fileURLToPath(import.meta.url), ['server'], {
    env: {
      ...process.env,
      BENCH_TLS: JSON.stringify({
        certFile: server.certFile,
        keyFile: server.keyFile,
        clientCaFile: ca.certificateFile,
      }),
    },
  });
  try {
    const ports = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
    });
    const tlsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: CONNECTIONS,
      ca: ca.certificate,
      cert: client.cert,
      key: client.key,
    });
    const plainAgent = new HttpAgent({ keepAlive: true, maxSockets: CONNECTIONS });
    const series = {
      'handshake, no client certificate': () => handshake(ports.mtls, ca.certificate),
      'handshake, client certificate': () => handshake(ports.mtls, ca.certificate, client),
      'request, keep-alive plain HTTP': () => get(httpRequest, plainAgent, ports.plain),
      'request, keep-alive mTLS': () =>
        get(httpsRequest, tlsAgent, ports.mtls, { servername: 'localhost' }),
    };
    const totals = Object.fromEntries(
      Object.keys(series).map((name) => [name, { done: 0, seconds: 0, cpu: 0, handshakes: 0 }]),
    );
    for (const run of Object.values(series)) await slice(child, run); // warm-up
    for (let round = 0; round < SLICES; round += 1) {
      const names = Object.keys(series);
      for (const name of round % 2 === 0 ? names : names.reverse()) {
        const result = await slice(child, series[name]);
        for (const key of Object.keys(result)) totals[name][key] += result[key];
      }
    }
    tlsAgent.destroy();
    plainAgent.destroy();

    const rate = (t) => t.done / t.seconds;
    const perOp = (t) => t.cpu / t.done;
    console.log(
      `@bulwark/http TLS listener (${ADAPTER}, ${CONNECTIONS} connections, ${SLICES} interleaved ${SLICE_MS} ms slices, Node ${process.version}, ${process.versions.openssl})`,
    );
    console.log('series                              per second   server CPU µs/op');
    for (const [name, t] of Object.entries(totals)) {
      console.log(
        `${name.padEnd(34)} ${Math.round(rate(t)).toLocaleString('en-US').padStart(11)}   ${perOp(t).toFixed(1).padStart(16)}`,
      );
    }
    const h0 = totals['handshake, no client certificate'];
    const h1 = totals['handshake, client certificate'];
    const plainReq = totals['request, keep-alive plain HTTP'];
    const tlsReq = totals['request, keep-alive mTLS'];
    console.log(
      `server-side handshakes completed: ${h0.handshakes + h1.handshakes} of ${h0.done + h1.done} started by the client`,
    );
    console.log(
      `client certificate: ${(rate(h1) / rate(h0)).toFixed(2)}x the handshake rate, +${(perOp(h1) - perOp(h0)).toFixed(1)} µs server CPU per handshake`,
    );
    console.log(
      `keep-alive mTLS: ${(rate(tlsReq) / rate(plainReq)).toFixed(2)}x the plain HTTP request rate, +${(perOp(tlsReq) - perOp(plainReq)).toFixed(1)} µs server CPU per request`,
    );
  } finally {
    if (child.connected) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    }
    ca.close();
  }
}

if (process.argv[2] === 'server') await serve();
else await drive();
