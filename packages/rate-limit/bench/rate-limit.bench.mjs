// Decisions per second of @bulwark/rate-limit's stores next to rate-limiter-flexible, measured
// in the same run: 50 concurrent callers in one process. Run `pnpm build` first (it reads dist).
// Not a test: the numbers depend on the machine; the ratios are what to compare.
import { startRedis } from '@bulwark/test-harness';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { MemoryRateLimitStore, RedisRateLimitStore } from '../dist/exports/stores.js';

const CALLERS = 50;
const KEYS = 10_000;
// Memory: a quota nobody exhausts, so both libraries take their admit path every time.
const memoryRule = { limit: 1_000_000, windowMs: 60_000 };
// Redis: the default policy (100 per 60 s); each key sees far fewer than 100 requests per run,
// so again every decision admits, and keys live as long as in production.
const redisRule = { limit: 100, windowMs: 60_000 };
const keys = Array.from({ length: KEYS }, (_, i) => `client-${i}`);

const SLICES = Number(process.env.BENCH_SLICES ?? 30);

async function timed(perCaller, decide, offset) {
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = 0; i < perCaller; i += 1)
        await decide(keys[(caller * 7919 + offset + i) % KEYS]);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// The machine is shared and its load moves: alternate the contenders in many short slices, so
// both see the same conditions, and compare total decisions over total time.
async function compare(names, perCaller, deciders) {
  for (const decide of deciders) await timed(perCaller, decide, 0); // warm-up
  const seconds = deciders.map(() => 0);
  // This process's CPU time (user + system) per decision: what the service itself pays; for
  // Redis, the server's own work is not in it.
  const cpuMicros = deciders.map(() => 0);
  for (let slice = 0; slice < SLICES; slice += 1) {
    // Who goes first alternates too.
    const order = slice % 2 === 0 ? deciders.keys() : [...deciders.keys()].reverse();
    for (const index of order) {
      const cpu = process.cpuUsage();
      seconds[index] += await timed(perCaller, deciders[index], slice * perCaller);
      const used = process.cpuUsage(cpu);
      cpuMicros[index] += used.user + used.system;
    }
  }
  const decisions = SLICES * perCaller * CALLERS;
  return seconds.map((total, index) => {
    const rate = decisions / total;
    const shown = Math.round(rate).toLocaleString('en').padStart(12);
    const cpu = (cpuMicros[index] / decisions).toFixed(2).padStart(6);
    console.log(`${names[index].padEnd(44)} ${shown} decisions/s  ${cpu} µs CPU/decision`);
    return rate;
  });
}

const results = [];
const report = (label, ours, theirs, target) => {
  const ratio = ours / theirs;
  results.push({ label, ratio, ok: target(ours, ratio) });
};

console.log(`\n${CALLERS} concurrent callers, ${KEYS.toLocaleString('en')} keys, one process\n`);

const memory = new MemoryRateLimitStore({ maxKeys: 100_000 });
const rlfMemory = new RateLimiterMemory({ points: memoryRule.limit, duration: 60 });
const [oursMemory, theirsMemory] = await compare(
  ['@bulwark/rate-limit memory', 'rate-limiter-flexible RateLimiterMemory'],
  2_000,
  [(key) => memory.consume(key, memoryRule, 1), (key) => rlfMemory.consume(key, 1)],
);
report('memory', oursMemory, theirsMemory, (ours) => ours >= 2_000_000);

let server;
let url = process.env.REDIS_URL;
if (!url) {
  server = await startRedis();
  url = server.url;
}
// A generous timeout: a busy shared machine must not turn the benchmark into an outage test.
const store = new RedisRateLimitStore({ redis: url, timeoutMs: 10_000 });
const client = new Redis(url);
const rlfRedis = new RateLimiterRedis({
  storeClient: client,
  points: redisRule.limit,
  duration: 60,
});
await new Promise((resolve) => setTimeout(resolve, 200));
const [oursRedis, theirsRedis] = await compare(
  ['@bulwark/rate-limit Redis', 'rate-limiter-flexible RateLimiterRedis'],
  40,
  [(key) => store.consume(key, redisRule, 1), (key) => rlfRedis.consume(key, 1)],
);
report('Redis', oursRedis, theirsRedis, (_, ratio) => ratio >= 1);
await store.onApplicationShutdown();
client.disconnect();
await server?.stop();

console.log('');
for (const { label, ratio, ok } of results) {
  console.log(
    `${label.padEnd(8)} ratio vs rate-limiter-flexible: ${ratio.toFixed(2)}×  ${ok ? 'target met' : 'TARGET MISSED'}`,
  );
}
console.log('targets: memory ≥ 2,000,000 decisions/s; Redis ≥ 1× rate-limiter-flexible');
