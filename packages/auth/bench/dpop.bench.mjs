// DPoP-protected requests against bearer requests, same app, same run: @bulwark/auth's guard in
// an app made by @bulwark/http's createSecureApp, over keep-alive HTTP. The bearer token is
// verified once and then served from the verified-token cache; the DPoP token is cached the same
// way, but each request carries a fresh proof (ES256) that is verified and claimed in the replay
// store. The server is a child process that reports its own CPU time, so the cost per request is
// the server's alone (the client here pre-signs the proofs outside the timed slices).
//
// Target: a DPoP request costs no more than one proof verification plus 10 µs over a cached
// bearer request. What one proof verification costs is measured two ways, in the same run:
// - in a request: two more series send the bearer request with a fresh DPoP header, which the
//   guard never reads; in one of them the route's handler verifies that proof once, with the
//   call the guard makes (`verifier.dpop.verifyNow`, or `verify` in a build without it; no
//   replay claim). The difference between the two is one proof verification as a request pays
//   it: the same code, with the caches a request leaves behind.
// - in a loop: `verifier.dpop.verify` over fresh proofs, back to back in the server process
//   between the slices. Every cache stays warm there, so this is the lower, stricter figure.
// The proof's ES256 signature alone (node:crypto `verify`, in the loop) is printed as the floor;
// it is the same work in every build, so it also shows how loaded the machine was.
// Every series alternates with the others, slice by slice; each figure is the median of the
// rounds. Build first: `pnpm build`.
//
// BENCH_ADAPTER=express|fastify (default fastify), BENCH_SLICES (rounds), BENCH_REQUESTS (per
// slice), BENCH_CONNECTIONS; BENCH_CPU_PROF=<dir> writes a --cpu-prof profile of the server.
// BENCH_BASELINE=<folder holding another build's dist/> serves that build from a second server,
// its slices alternating with this build's in the same run: an A/B on one loaded machine.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ADAPTER = process.env.BENCH_ADAPTER ?? 'fastify';
const SLICES = Number(process.env.BENCH_SLICES ?? 8);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const TARGET_EXTRA_US = 10;
const BASELINE = process.env.BENCH_BASELINE;
/** The header that asks the bench route to verify the request's DPoP proof once. */
const VERIFY_HEADER = 'x-bench-verify';

async function serve() {
  const { Controller, Get, Module, Req } = await import('@nestjs/common');
  const { createSecureApp } = await import('@bulwark/http');
  const entry = process.env.BENCH_DIST ?? new URL('../dist/index.js', import.meta.url).href;
  const { AuthModule, ...main } = await import(entry);
  // `TokenVerifier` is in `@bulwark/auth/verifier`; a baseline build from before it moved has it
  // in the main entry point.
  const { TokenVerifier } =
    main.TokenVerifier === undefined
      ? await import(new URL('exports/verifier.js', entry).href)
      : main;
  const { issuer, audience, jwksUri } = JSON.parse(process.env.BENCH_ISSUER);
  // What the handler verifies proofs against, sent by the driver once it has the bound token.
  let control;
  let verifier;
  class MeController {
    me(request) {
      const headers = (request.raw ?? request).headers;
      if (headers[VERIFY_HEADER] === undefined) return { ok: true };
      // The call the guard makes: verifyNow, synchronous when it can be, where the build has it.
      const verified = verifier.dpop.verifyNow
        ? verifier.dpop.verifyNow(headers.dpop, control)
        : verifier.dpop.verify(headers.dpop, control);
      return verified instanceof Promise ? verified.then(() => ({ ok: true })) : { ok: true };
    }
  }
  Req()(MeController.prototype, 'me', 0);
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
  verifier = app.get(TokenVerifier);
  process.on('message', async (message) => {
    if (message === 'cpu') process.send(process.cpuUsage());
    if (message?.control) {
      control = message.control;
      process.send('ok');
    }
    // One proof verification, timed on its own in this process, with the app's own verifier.
    if (message?.verify) {
      const { proofs, target } = message.verify;
      const cpu = process.cpuUsage();
      for (const proof of proofs) await verifier.dpop.verify(proof, target);
      const used = process.cpuUsage(cpu);
      process.send(used.user + used.system);
    }
    // The ES256 signature of each proof alone, as node:crypto checks it: the floor under any
    // proof verification, and the same work whatever the build.
    if (message?.signatures) {
      const proofs = message.signatures;
      const header = JSON.parse(Buffer.from(proofs[0].split('.')[0], 'base64url').toString());
      const key = {
        key: createPublicKey({ key: header.jwk, format: 'jwk' }),
        dsaEncoding: 'ieee-p1363',
      };
      const cpu = process.cpuUsage();
      for (const proof of proofs) {
        const dot = proof.lastIndexOf('.');
        const input = Buffer.from(proof.slice(0, dot));
        if (!verify('sha256', input, key, Buffer.from(proof.slice(dot + 1), 'base64url'))) {
          throw new Error('a bench proof did not verify');
        }
      }
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
    req.on('error', (error) => {
      // A kept-alive socket the server closed while it sat idle (the other build's slices ran
      // meanwhile): the request never reached the server, so it is sent again on a new socket.
      if (req.reusedSocket && error.code === 'ECONNRESET')
        get(agent, port, headers).then(resolve, reject);
      else reject(error);
    });
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

// One server per build: this one, and the baseline's when BENCH_BASELINE is set.
async function startServer(issuer, dist) {
  const prof = process.env.BENCH_CPU_PROF;
  const child = fork(fileURLToPath(import.meta.url), ['server'], {
    execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [],
    env: {
      ...process.env,
      ...(dist === undefined ? {} : { BENCH_DIST: pathToFileURL(join(dist, 'index.js')).href }),
      BENCH_ISSUER: JSON.stringify({
        issuer: issuer.issuer,
        audience: 'bench-api',
        jwksUri: issuer.jwksUrl,
      }),
    },
  });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  return { child, port, url: `http://127.0.0.1:${port}/me` };
}

async function stopServer(server) {
  if (!server?.child.connected) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.send('close');
  await exited;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const LABELS = {
  bearer: 'bearer (cached token)',
  carry: 'bearer + unread DPoP header',
  control: 'bearer + proof verified once',
  dpop: 'DPoP (fresh ES256 proof)',
};
const SERIES = Object.keys(LABELS);

function verdict(over) {
  return `${over <= TARGET_EXTRA_US ? 'MET' : 'NOT MET'} (${over >= 0 ? '+' : ''}${over.toFixed(1)} µs over one verification)`;
}

function report(build, rounds) {
  const of = (pick) => median(rounds.map(pick));
  // Every difference is taken within a round, from slices run back to back, then the median.
  const extra = (r) => r.dpop - r.bearer;
  const inRequest = (r) => r.control - r.carry;
  const summary = {
    extra: of(extra),
    bytes: of((r) => r.carry - r.bearer),
    inRequest: of(inRequest),
    loop: of((r) => r.loop),
    signature: of((r) => r.signature),
    overInRequest: of((r) => extra(r) - inRequest(r)),
    overLoop: of((r) => extra(r) - r.loop),
    ratioInRequest: of((r) => extra(r) / inRequest(r)),
    ratioLoop: of((r) => extra(r) / r.loop),
  };
  if (build.dist !== undefined || BASELINE !== undefined) {
    console.log(`\n${build.name}${build.dist ? ` (${build.dist})` : ''}`);
  }
  console.log('series                         requests/s   server CPU µs/request');
  for (const name of SERIES) {
    console.log(
      `${LABELS[name].padEnd(30)} ${Math.round(of((r) => r.rates[name]))
        .toLocaleString('en-US')
        .padStart(10)}   ${of((r) => r[name])
        .toFixed(1)
        .padStart(21)}`,
    );
  }
  console.log(`extra per DPoP request:        ${summary.extra.toFixed(1)} µs server CPU`);
  console.log(
    `  the proof's bytes alone:     ${summary.bytes.toFixed(1)} µs (bearer + unread DPoP header, over bearer)`,
  );
  console.log(
    `one proof verification:        ${summary.inRequest.toFixed(1)} µs in a request (proof verified once, over unread)`,
  );
  console.log(
    `                               ${summary.loop.toFixed(1)} µs in a loop (verifier.dpop.verify back to back)`,
  );
  console.log(
    `  its ES256 signature alone:   ${summary.signature.toFixed(1)} µs in a loop (node:crypto verify)`,
  );
  console.log(
    `target: extra <= one verification + ${TARGET_EXTRA_US} µs, verification in a request -> ${verdict(summary.overInRequest)}`,
  );
  console.log(
    `                                        verification in a loop -> ${verdict(summary.overLoop)}`,
  );
  // Load stretches every cost alike, the allowance included: so the verdict as a ratio too,
  // with the allowance as a share of the verification measured in this run.
  for (const [where, ratio, base] of [
    ['in a request', summary.ratioInRequest, summary.inRequest],
    ['in a loop', summary.ratioLoop, summary.loop],
  ]) {
    const allowed = 1 + TARGET_EXTRA_US / base;
    console.log(
      `as a ratio (${where}): extra / verification = ${ratio.toFixed(3)}, allowed <= ${allowed.toFixed(3)} -> ${ratio <= allowed ? 'MET' : 'NOT MET'}`,
    );
  }
  return summary;
}

async function drive() {
  const { createTestIssuer } = await import('@bulwark/testing');
  const { createDpopKey, createDpopProof } = await import('@bulwark/testing/dpop');
  const issuer = await createTestIssuer({ audience: 'bench-api' });
  const builds = [{ name: 'this build' }];
  if (BASELINE !== undefined) builds.push({ name: 'baseline', dist: join(BASELINE, 'dist') });
  try {
    for (const build of builds) build.server = await startServer(issuer, build.dist);
    const key = createDpopKey('ES256');
    const claims = { sub: 'bench', scope: 'notes:read' };
    const bearer = issuer.mint({ ttlSeconds: 3600, claims });
    const bound = issuer.mintDpopBound(key, { ttlSeconds: 3600, claims });
    // Fresh proofs for every slice: each (key, jti) is accepted once, and iat must be recent.
    const proofsFor = (url) =>
      Array.from({ length: REQUESTS }, () =>
        createDpopProof(key, { method: 'GET', url, accessToken: bound }),
      );
    const bearerHeaders = Array.from({ length: REQUESTS }, () => ({
      authorization: `Bearer ${bearer}`,
    }));
    const headersOf = (name, url) => {
      if (name === 'bearer') return bearerHeaders;
      const proofs = proofsFor(url);
      if (name === 'dpop') return proofs.map((dpop) => ({ authorization: `DPoP ${bound}`, dpop }));
      const extra = name === 'control' ? { [VERIFY_HEADER]: '1' } : {};
      return proofs.map((dpop) => ({ authorization: `Bearer ${bearer}`, dpop, ...extra }));
    };
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const timeLoops = async ({ server }) => {
      const target = { method: 'GET', htu: server.url, accessToken: bound };
      const proofs = proofsFor(server.url);
      const loop = (await ask(server.child, { verify: { proofs, target } })) / REQUESTS;
      const signature = (await ask(server.child, { signatures: proofs })) / REQUESTS;
      return { loop, signature };
    };
    for (const build of builds) {
      const { server } = build;
      await ask(server.child, {
        control: { method: 'GET', htu: server.url, accessToken: bound },
      });
      // Warm-up, and the tokens into each server's cache.
      for (const name of SERIES) {
        await slice(server.child, agent, server.port, headersOf(name, server.url));
      }
      await timeLoops(build);
      build.rounds = [];
    }
    for (let round = 0; round < SLICES; round += 1) {
      // Alternate the order of the builds and of the series from one round to the next.
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order) {
        const { server } = build;
        const names = round % 2 === 0 ? SERIES : [...SERIES].reverse();
        const prepared = names.map((name) => [name, headersOf(name, server.url)]);
        const result = { rates: {} };
        for (const [name, headers] of prepared) {
          const { seconds, cpu } = await slice(server.child, agent, server.port, headers);
          result[name] = cpu / REQUESTS;
          result.rates[name] = REQUESTS / seconds;
        }
        Object.assign(result, await timeLoops(build));
        build.rounds.push(result);
      }
    }
    agent.destroy();

    console.log(
      `@bulwark/auth DPoP against bearer (${ADAPTER}, createSecureApp + AuthModule, ${CONNECTIONS} keep-alive connections, ${SLICES} rounds of ${REQUESTS}-request slices, medians of the rounds, Node ${process.version})`,
    );
    const summaries = builds.map((build) => report(build, build.rounds));
    if (summaries.length === 2) {
      const [current, baseline] = summaries;
      const ratio = (pick) => (pick(current) / pick(baseline)).toFixed(3);
      console.log(
        `\nthis build / baseline: extra per DPoP request ${ratio((s) => s.extra)}, one verification ${ratio((s) => s.inRequest)} in a request and ${ratio((s) => s.loop)} in a loop; signature alone ${ratio((s) => s.signature)} (the control: the same work in both)`,
      );
    }
  } finally {
    for (const build of builds) await stopServer(build.server);
    await issuer.close();
  }
}

if (process.argv[2] === 'server') await serve();
else await drive();
