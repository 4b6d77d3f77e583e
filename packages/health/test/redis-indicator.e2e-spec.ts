import { createConnection } from 'node:net';
import { hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisHealthIndicator } from '../src/index.js';

/** Sends one inline command to Redis and resolves with the first reply line. */
function redisCommand(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().split('\r\n')[0] ?? '');
    });
  });
}

describe.skipIf(!hasRedis())('RedisHealthIndicator on its own, against a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  it('is ready when PING answers PONG', async () => {
    expect(await new RedisHealthIndicator({ url: redis.url }).readiness()).toEqual({ ready: true });
  });

  it('authenticates with the password of the URL, and reports a wrong one', async () => {
    expect(await redisCommand(redis.port, 'CONFIG SET requirepass s3cret-pass')).toBe('+OK');
    try {
      const good = new RedisHealthIndicator({
        url: `redis://:s3cret-pass@127.0.0.1:${redis.port}`,
      });
      expect(await good.readiness()).toEqual({ ready: true });
      const anonymous = await new RedisHealthIndicator({ url: redis.url }).readiness();
      expect(anonymous.ready).toBe(false);
      expect(anonymous.detail).toMatch(/^Redis answered NOAUTH/);
      const wrong = await new RedisHealthIndicator({
        url: `redis://default:nope-nope@127.0.0.1:${redis.port}`,
      }).readiness();
      expect(wrong.ready).toBe(false);
      expect(wrong.detail).toMatch(/^Redis answered WRONGPASS/);
    } finally {
      await redisCommand(redis.port, 'AUTH s3cret-pass');
      const reset = createConnection({ port: redis.port, host: '127.0.0.1' });
      await new Promise<void>((resolve) => {
        reset.once('connect', () =>
          reset.write('AUTH s3cret-pass\r\nCONFIG SET requirepass ""\r\n'),
        );
        reset.on('data', (data) => {
          if (data.toString().split('\r\n').filter(Boolean).length >= 2) {
            reset.destroy();
            resolve();
          }
        });
      });
    }
  });

  it('is not ready while Redis is down, and ready again once it is back', async () => {
    const indicator = new RedisHealthIndicator({ url: redis.url });
    await redis.kill();
    const down = await indicator.readiness();
    expect(down.ready).toBe(false);
    expect(down.detail).toContain('ECONNREFUSED');
    await redis.restart();
    expect(await indicator.readiness()).toEqual({ ready: true });
  });

  it('gives up when the signal aborts', async () => {
    const indicator = new RedisHealthIndicator({ url: redis.url });
    expect(await indicator.readiness(AbortSignal.abort())).toEqual({
      ready: false,
      detail: 'Redis PING aborted',
    });
  });

  it('uses a client when given one', async () => {
    expect(
      await new RedisHealthIndicator({ client: { ping: async () => 'PONG' } }).readiness(),
    ).toEqual({
      ready: true,
    });
    expect(
      await new RedisHealthIndicator({
        client: { ping: async () => Promise.reject(new Error('Connection is closed.')) },
      }).readiness(),
    ).toEqual({ ready: false, detail: 'Connection is closed.' });
  });
});
