import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADAPTERS, hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/dist/app.js', import.meta.url));

async function spawnApp(
  adapter: string,
  redisUrl: string,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ADAPTER: adapter, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /\{"listening":(\d+)\}/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function probe(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

/** Probes until `status` comes back; bounded to 200 attempts. */
async function until(url: string, status: number): Promise<{ status: number; text: string }> {
  let last = await probe(url);
  for (let attempt = 0; attempt < 200 && last.status !== status; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    last = await probe(url);
  }
  return last;
}

describe.skipIf(!hasRedis())('readiness with a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  describe.each(ADAPTERS)('in a spawned %s app', (adapter) => {
    let child: ChildProcess | undefined;
    afterEach(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    });

    it('is 503 while Redis is down and recovers when it returns, while liveness stays 200', async () => {
      const app = await spawnApp(adapter, redis.url);
      child = app.child;
      expect(await probe(`${app.url}/health/ready`)).toEqual({
        status: 200,
        text: JSON.stringify({ status: 'ok', details: { redis: { status: 'up' } } }),
      });

      await redis.kill();
      const down = await until(`${app.url}/health/ready`, 503);
      expect(down.status).toBe(503);
      expect(JSON.parse(down.text)).toEqual({
        status: 'error',
        details: { redis: { status: 'down' } },
      });
      // No host, port or error text for anonymous callers.
      expect(down.text).not.toContain(String(redis.port));
      expect(down.text).not.toContain('127.0.0.1');
      expect(down.text).not.toContain('ECONNREFUSED');
      expect((await probe(`${app.url}/health/live`)).status).toBe(200);

      await redis.restart();
      expect((await until(`${app.url}/health/ready`, 200)).status).toBe(200);
      expect((await probe(`${app.url}/health/live`)).status).toBe(200);
    });
  });
});
