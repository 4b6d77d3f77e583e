// Verifications per second: plain jose jwtVerify vs @bulwark/auth cold (cache off) and cached,
// for ES256, RS256 and EdDSA, all measured in this run. Build first: `pnpm build`.
import { createTestIssuer } from '@bulwark/testing';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { TokenVerifier } from '../dist/exports/verifier.js';

// Rounds of each series are interleaved and the best round kept, so that load from other
// processes during one stretch of time does not skew a ratio.
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TARGET = 50;

async function rate(run) {
  const warmUntil = performance.now() + DURATION_MS / 4;
  while (performance.now() < warmUntil) await run();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < DURATION_MS) {
    for (let i = 0; i < 64; i += 1) await run();
    count += 64;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}

const issuer = await createTestIssuer({ audience: 'bench-api' });
try {
  const jwks = { keys: issuer.keys.map((key) => key.publicJwk) };
  const local = createLocalJWKSet(jwks);
  const base = { issuer: issuer.issuer, audience: 'bench-api', jwks };
  const cold = new TokenVerifier({ ...base, cache: false });
  const cached = new TokenVerifier({ ...base });
  await Promise.all([cold.warmUp(), cached.warmUp()]);

  const rows = [];
  for (const alg of ['ES256', 'RS256', 'EdDSA']) {
    const token = issuer.mint({ alg, ttlSeconds: 3600, claims: { scope: 'notes:read' } });
    const series = {
      jose: () =>
        jwtVerify(token, local, { issuer: issuer.issuer, audience: 'bench-api', typ: 'at+jwt' }),
      cold: () => cold.verify(token),
      cached: () => cached.verify(token),
    };
    const best = { alg, jose: 0, cold: 0, cached: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, run] of Object.entries(series)) {
        best[name] = Math.max(best[name], await rate(run));
      }
    }
    rows.push(best);
  }

  const joseEs256 = rows[0].jose;
  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(11);
  const ratio = (n, d) => `${(n / d).toFixed(2)}x`.padStart(9);
  console.log(
    `verifications/s (best of ${ROUNDS} interleaved ${DURATION_MS} ms rounds, Node ${process.version})`,
  );
  console.log(
    'alg     jose jwtVerify   bulwark cold  cold/jose   bulwark cached  cached/jose  cached/jose-ES256',
  );
  for (const row of rows) {
    console.log(
      `${row.alg.padEnd(6)} ${fmt(row.jose)}    ${fmt(row.cold)} ${ratio(row.cold, row.jose)}      ${fmt(row.cached)} ${ratio(row.cached, row.jose)}    ${ratio(row.cached, joseEs256)}`,
    );
  }
  const worst = Math.min(...rows.map((row) => row.cached / joseEs256));
  console.log(
    `target: cached >= ${TARGET}x jose ES256 -> worst ${worst.toFixed(1)}x ${worst >= TARGET ? 'MET' : 'NOT MET'}`,
  );
} finally {
  await issuer.close();
}
