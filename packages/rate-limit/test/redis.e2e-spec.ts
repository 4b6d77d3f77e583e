import { READINESS_INDICATOR, SHUTDOWN_HOOK } from '@bulwark/core/lifecycle';
import {
  bootstrap,
  hasRedis,
  type RedisServer,
  type RunningApp,
  startRedis,
} from '@bulwark/test-harness';
import { Module, type Type } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimitStore } from '../src/exports/stores.js';
import { RateLimitModule, type RateLimitModuleOptions } from '../src/index.js';
import { GCRA_SCRIPT_SHA } from '../src/internal/redis-script.js';
import { FixtureAuthModule, FixtureController } from './fixtures.js';

function appModule(options: RateLimitModuleOptions, authenticated = false): Type<unknown> {
  @Module({
    imports: [
      ...(authenticated ? [FixtureAuthModule] : []),
      RateLimitModule.forRoot({
        env: {},
        policies: { search: { limit: 4, windowSeconds: 30 } },
        ...options,
      }),
    ],
    controllers: [FixtureController],
  })
  class AppModule {}
  return AppModule;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

const storeOf = (running: RunningApp) => running.app.get(RedisRateLimitStore, { strict: false });

describe.skipIf(!hasRedis())('the Redis store', () => {
  let redis: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { lazyConnect: true });
    admin.on('error', () => undefined);
    await admin.connect();
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  describe('shared by two app instances (Express and Fastify)', () => {
    let express: RunningApp;
    let fastify: RunningApp;
    const options = { redis: '', limit: 25, windowSeconds: 3600, keyPrefix: 'exact:' };

    beforeAll(async () => {
      options.redis = redis.url;
      express = await bootstrap(appModule(options), { adapter: 'express' });
      fastify = await bootstrap(appModule(options), { adapter: 'fastify' });
      await until(() => storeOf(express).available() && storeOf(fastify).available(), 'connected');
    });
    afterAll(async () => {
      await express.close();
      await fastify.close();
    });

    it('admits exactly the limit under 120 concurrent requests across both instances', async () => {
      const responses = await Promise.all(
        Array.from({ length: 120 }, (_, i) => fetch(`${(i % 2 ? express : fastify).url}/default`)),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(25);
      expect(statuses.filter((s) => s === 429)).toHaveLength(95);
      const remaining = responses
        .filter((r) => r.status === 200)
        .map((r) => Number(/r=(\d+)/.exec(r.headers.get('ratelimit') ?? '')?.[1]))
        .sort((a, b) => a - b);
      expect(remaining).toEqual(Array.from({ length: 25 }, (_, i) => i));
      for (const response of responses.filter((r) => r.status === 429)) {
        expect(response.headers.get('ratelimit-policy')).toBe('"default";q=25;w=3600');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    });

    it('stores one hash-tagged key per bucket, each with a TTL within the window', async () => {
      const keys = await admin.keys('exact:*');
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^exact:\{[A-Za-z0-9_-]{22}\}$/);
      const ttl = await admin.pttl(keys[0] as string);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    });

    it('falls back to EVAL when Redis has forgotten the script (NOSCRIPT)', async () => {
      await admin.script('FLUSH');
      // The shared quota is spent, so a 429 shows the decision still came from Redis.
      const response = await fetch(`${express.url}/other`);
      expect(response.status).toBe(429);
      expect(response.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
      expect(await admin.script('EXISTS', GCRA_SCRIPT_SHA)).toEqual([1]);
    });
  });

  describe('brute-force guard shared by two app instances (Express and Fastify)', () => {
    let express: RunningApp;
    let fastify: RunningApp;
    const bad = { authorization: 'Bearer forged' };

    beforeAll(async () => {
      const options = {
        redis: redis.url,
        keyPrefix: 'bf:',
        authFailure: { limit: 3, windowSeconds: 600 },
      };
      express = await bootstrap(appModule(options, true), { adapter: 'express' });
      fastify = await bootstrap(appModule(options, true), { adapter: 'fastify' });
      await until(() => storeOf(express).available() && storeOf(fastify).available(), 'connected');
    });
    afterAll(async () => {
      await express.close();
      await fastify.close();
    });

    it('refuses on one instance the failing attempts of an address whose failures the other counted', async () => {
      expect((await fetch(`${fastify.url}/default`, { headers: bad })).status).toBe(401);
      expect((await fetch(`${express.url}/default`, { headers: bad })).status).toBe(401);
      expect((await fetch(`${express.url}/default`, { headers: bad })).status).toBe(401);
      for (const running of [fastify, express]) {
        const refused = await fetch(`${running.url}/default`, { headers: bad });
        expect(refused.status).toBe(429);
        expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=3;w=600');
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(199);
        expect(await refused.json()).toMatchObject({
          type: 'urn:bulwark:problem:rate-limited',
          detail: expect.stringContaining('Too many failed authentication attempts'),
        });
      }
      // One key for the address, shared by both instances, with a TTL.
      const keys = await admin.keys('bf:*');
      expect(keys).toHaveLength(1);
      expect(await admin.pttl(keys[0] as string)).toBeGreaterThan(0);
      // A valid credential from the same address is not refused, on either instance.
      for (const running of [fastify, express]) {
        const valid = await fetch(`${running.url}/default`, {
          headers: { authorization: 'Bearer good:dan' },
        });
        expect(valid.status).toBe(200);
      }
    });
  });

  describe('when Redis is killed mid-run and restarted', () => {
    let insurance: RunningApp;
    let open: RunningApp;
    let closed: RunningApp;

    beforeAll(async () => {
      const base = { redis: redis.url, limit: 10, windowSeconds: 3600, replicas: 2 };
      insurance = await bootstrap(appModule({ ...base, keyPrefix: 'ins:' }), {
        adapter: 'fastify',
      });
      open = await bootstrap(appModule({ ...base, storeFailure: 'open', keyPrefix: 'open:' }), {
        adapter: 'express',
      });
      closed = await bootstrap(
        appModule({ ...base, storeFailure: 'closed', keyPrefix: 'closed:' }),
        { adapter: 'express' },
      );
      const all = [insurance, open, closed];
      await until(() => all.every((app) => storeOf(app).available()), 'connected');
    });
    afterAll(async () => {
      await insurance.close();
      await open.close();
      await closed.close();
    });

    it('holds each failure mode, flips readiness, and recovers on its own', async () => {
      expect(await storeOf(insurance).readiness()).toEqual({ ready: true });
      expect((await fetch(`${insurance.url}/default`)).headers.get('ratelimit')).toBe(
        '"default";r=9;t=360',
      );

      await redis.kill();
      await until(() => !storeOf(insurance).available(), 'the outage is noticed');
      expect(await storeOf(insurance).readiness()).toMatchObject({ ready: false });

      // insurance: a local limiter at 10 ÷ 2 replicas.
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1)
        statuses.push((await fetch(`${insurance.url}/default`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const local = await fetch(`${insurance.url}/other`);
      expect(local.headers.get('ratelimit-policy')).toBe('"default";q=10;w=3600');
      expect(local.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);

      // open: admits, without claiming a quota it cannot know.
      for (let i = 0; i < 12; i += 1) {
        const admitted = await fetch(`${open.url}/default`);
        expect(admitted.status).toBe(200);
        expect(admitted.headers.get('ratelimit')).toBeNull();
      }

      // closed: refuses with a 503 problem, never a 500.
      const refused = await fetch(`${closed.url}/default`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({
        type: 'urn:bulwark:problem:rate-limit-unavailable',
        status: 503,
      });

      await redis.restart();
      await until(() => storeOf(insurance).available(), 'Redis is back');
      expect(await storeOf(insurance).readiness()).toEqual({ ready: true });
      // Redis restarted empty: decisions come from it again, with its full quota.
      const recovered = await fetch(`${insurance.url}/default`);
      expect(recovered.status).toBe(200);
      expect(recovered.headers.get('ratelimit')).toBe('"default";r=9;t=360');
      await until(() => storeOf(closed).available(), 'the closed app reconnected');
      expect((await fetch(`${closed.url}/default`)).status).toBe(200);
    });
  });

  it('fails a decision Redis does not answer within timeoutMs, its own client or one passed in', async () => {
    const passed = new Redis(redis.url);
    const stores = [
      new RedisRateLimitStore({ redis: redis.url, timeoutMs: 200 }),
      new RedisRateLimitStore({ redis: passed, timeoutMs: 200 }),
    ];
    const rule = { limit: 10, windowMs: 60_000 };
    try {
      await until(() => stores.every((store) => store.available()), 'connected');
      await Promise.all(stores.map((store) => store.consume('paused', rule, 1)));
      // Redis holds every command for 2 s: without the store's deadline, both decisions would
      // simply arrive late, and succeed.
      await admin.call('CLIENT', 'PAUSE', '2000', 'ALL');
      const outcomes = await Promise.allSettled(
        stores.map((store) => store.consume('paused', rule, 1)),
      );
      expect(outcomes).toEqual([
        { status: 'rejected', reason: new Error('Redis did not answer within 200 ms') },
        { status: 'rejected', reason: new Error('Redis did not answer within 200 ms') },
      ]);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      await stores[0]?.onShutdown();
      passed.disconnect();
    }
  });

  it('is a `redis` readiness indicator, present only when Redis is configured', async () => {
    expect(Reflect.getMetadata(READINESS_INDICATOR, RedisRateLimitStore)).toBe('redis');
    const memory = await bootstrap(appModule({}), { adapter: 'express' });
    try {
      expect(() => memory.app.get(RedisRateLimitStore, { strict: false })).toThrow();
    } finally {
      await memory.close();
    }
  });

  it('closes its own connection on application shutdown', async () => {
    const running = await bootstrap(appModule({ redis: redis.url }), { adapter: 'fastify' });
    const store = storeOf(running);
    await until(() => store.available(), 'connected');
    await running.close();
    expect(store.client?.status).toBe('end');
  });

  it('closes its connection as a @bulwark/shutdown hook, once, however often it is called', async () => {
    expect(Reflect.getMetadata(SHUTDOWN_HOOK, RedisRateLimitStore)).toEqual({
      name: 'redis',
      order: 0,
    });
    const running = await bootstrap(appModule({ redis: redis.url }), { adapter: 'express' });
    try {
      const store = storeOf(running);
      await until(() => store.available(), 'connected');
      await Promise.all([store.onShutdown(), store.onShutdown()]);
      expect(store.client?.status).toBe('end');
    } finally {
      await running.close();
    }
  });
});
