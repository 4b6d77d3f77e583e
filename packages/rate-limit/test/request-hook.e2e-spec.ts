import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitModule } from '../src/index.js';
import { FixtureAuthModule, FixtureController } from './fixtures.js';

@Module({
  imports: [
    FixtureAuthModule,
    RateLimitModule.forRoot({
      limit: 100,
      windowSeconds: 60,
      policies: { search: { limit: 4, windowSeconds: 30 } },
      authFailure: { limit: 2, windowSeconds: 60 },
      trustProxy: false,
      env: {},
    }),
  ],
  controllers: [FixtureController],
})
class AppModule {}

/** The middleware @fastify/middie holds on a Fastify instance (its own, unexported symbol). */
function middieMiddlewares(instance: object): unknown[] {
  const key = Object.getOwnPropertySymbols(instance).find(
    (symbol) => symbol.description === 'fastify-middie-middlewares',
  );
  if (key === undefined) throw new Error('@fastify/middie no longer keeps its middleware here');
  return (instance as Record<symbol, unknown[]>)[key] as unknown[];
}

// Regression: on Express the limiter was Nest middleware (Nest's middleware layer on every
// request); on Fastify, Nest middleware would have gone through @fastify/middie's dispatch.
describe.each(ADAPTERS)('the failed-authentication limiter on %s', (adapter) => {
  let running: RunningApp;
  const get = (authorization: string) =>
    fetch(`${running.url}/default`, { headers: { authorization } });

  beforeAll(async () => {
    running = await bootstrap(AppModule, { adapter });
  });
  afterAll(() => running.close());

  it('is a request hook of the HTTP server, not Nest middleware, and still refuses', async () => {
    const instance = running.app.getHttpAdapter().getInstance() as object;
    if (adapter === 'fastify') {
      expect(middieMiddlewares(instance)).toEqual([]);
    } else {
      const stack = (instance as { router: { stack: { handle: { name: string } }[] } }).router
        .stack;
      const names = stack.map((layer) => layer.handle.name);
      expect(names.filter((name) => name === 'bulwarkAuthFailureLimiter')).toHaveLength(1);
    }
    expect((await get('Bearer forged')).status).toBe(401);
    expect((await get('Bearer forged')).status).toBe(401);
    const refused = await get('Bearer forged');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth-failure";q=2;w=60');
    expect((await get('Bearer good:alice')).status).toBe(200);
  });
});
