import { createServer, type Server } from 'node:net';
import { ADAPTERS, bootstrap, freePort } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisRateLimitStore } from '../src/exports/stores.js';
import { RateLimitModule } from '../src/index.js';

/** What `work` came to within `ms`, or 'still running' (a hang). */
async function within<T>(ms: number, work: Promise<T>): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts the TCP connections made to `port`, from now on. */
async function listenOn(port: number): Promise<{ connections: () => number; close(): void }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { connections: () => connections, close: () => server.close() };
}

// Regression: closing the store while Redis was unreachable waited for an 'end' event that
// ioredis never emits for a socket already closed, so app.close(), which @bulwark/shutdown now
// calls after the drain, hung until the shutdown timeout (forever in a test).
describe('a Redis store whose Redis is unreachable', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  it('closes at once while waiting to reconnect, and stops reconnecting', async () => {
    const port = await freePort();
    const store = new RedisRateLimitStore({ redis: `redis://127.0.0.1:${port}/0` });
    await vi.waitFor(() => expect(store.client?.status).toBe('reconnecting'), { timeout: 10_000 });

    expect(
      await within(
        10_000,
        store.onShutdown().then(() => 'closed'),
      ),
    ).toBe('closed');

    // Redis comes back: the closed store does not connect to it (the backoff is at most 2 s).
    const redis = await listenOn(port);
    cleanup.push(() => redis.close());
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(redis.connections()).toBe(0);
  });

  it('closes at once while still connecting', async () => {
    const port = await freePort();
    const store = new RedisRateLimitStore({ redis: `redis://127.0.0.1:${port}/0` });
    expect(store.client?.status).toBe('connecting');
    expect(
      await within(
        10_000,
        store.onShutdown().then(() => 'closed'),
      ),
    ).toBe('closed');
    await vi.waitFor(() => expect(store.client?.status).toBe('end'));
  });

  describe.each(ADAPTERS)('in an app on %s', (adapter) => {
    it('lets app.close() finish', async () => {
      const port = await freePort();
      @Module({
        imports: [RateLimitModule.forRoot({ redis: `redis://127.0.0.1:${port}/0`, env: {} })],
      })
      class AppModule {}
      const running = await bootstrap(AppModule, { adapter });
      const store = running.app.get(RedisRateLimitStore);
      await vi.waitFor(() => expect(store.client?.status).toBe('reconnecting'), {
        timeout: 10_000,
      });
      expect(
        await within(
          10_000,
          running.close().then(() => 'closed'),
        ),
      ).toBe('closed');
    });
  });
});
