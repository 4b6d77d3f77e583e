import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitModule } from '../src/index.js';
import { FixtureController } from './fixtures.js';

let now = Date.UTC(2030, 0, 1);

// Four replicas, each with its own memory store: every limit is divided by four, so that the
// replicas together admit no more than the configured limit.
@Module({
  imports: [
    RateLimitModule.forRoot({
      limit: 8,
      windowSeconds: 60,
      policies: { search: { limit: 4, windowSeconds: 30 } },
      clock: () => now,
      env: { RATE_LIMIT_REPLICAS: '4' },
    }),
  ],
  controllers: [FixtureController],
})
class FourReplicasModule {}

const get = (url: string) => fetch(url);

describe.each(ADAPTERS)('RATE_LIMIT_REPLICAS on the memory store, on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(FourReplicasModule, { adapter });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    now += 3_600_000;
  });

  it("admits this replica's share of the default limit (8 ÷ 4) and says so in RateLimit-Policy", async () => {
    const first = await get(`${running.url}/default`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    expect(first.headers.get('ratelimit')).toBe('"default";r=1;t=30');
    expect((await get(`${running.url}/other`)).status).toBe(200);
    const refused = await get(`${running.url}/default`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
  });

  it('divides named policies, and charges a cost above the share as the whole share', async () => {
    // search: 4 ÷ 4 = 1 per replica; the route's cost of 2 is charged as 1.
    const first = await get(`${running.url}/search`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"search";q=1;w=30');
    expect((await get(`${running.url}/search`)).status).toBe(429);
  });

  it('divides route-local limits, keeping at least 1', async () => {
    // export: 2 ÷ 4 rounds down to 0, kept at 1.
    const first = await get(`${running.url}/export`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"export";q=1;w=10');
    expect((await get(`${running.url}/export`)).status).toBe(429);
  });
});
