import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestIssuer,
  hasRedis,
  type RedisServer,
  startRedis,
  type TestIssuer,
} from '../src/index.js';

function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
  });
}

describe.skipIf(!hasRedis())('the Redis launcher', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  it('starts a real redis-server on a loopback port', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redisCommand(redis.port, 'SET k v')).toBe('+OK\r\n');
    expect(await redisCommand(redis.port, 'GET k')).toBe('$1\r\nv\r\n');
  });

  it('kills and restarts the server on the same port, empty', async () => {
    await redis.kill();
    await expect(redisCommand(redis.port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
    await redis.restart();
    expect(await redisCommand(redis.port, 'GET k')).toBe('$-1\r\n');
  });
});

describe('the test issuer through the harness', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  it('publishes ES256, RS256 and EdDSA keys', async () => {
    const body = (await (await fetch(issuer.jwksUrl)).json()) as { keys: { alg: string }[] };
    expect(body.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect(issuer.jwksHits).toBe(1);
  });
});
