import { packagesLoadedBy } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;
/** Imports `@bulwark/rate-limit/stores` after the main entry point (`lib`) loaded. */
const stores = `const stores = await import(${JSON.stringify(new URL('../dist/exports/stores.js', import.meta.url).href)})`;

describe('what @bulwark/rate-limit loads', () => {
  it('loads no Redis client for a service on the memory store', () => {
    const loaded = packagesLoadedBy(entry, `${stores}; new stores.MemoryRateLimitStore()`);
    expect(loaded).toContain('reflect-metadata');
    expect(loaded).not.toContain('ioredis');
  });

  it('loads ioredis when the Redis store makes its own client', () => {
    const loaded = packagesLoadedBy(
      entry,
      `${stores}; new stores.RedisRateLimitStore({ redis: 'redis://127.0.0.1:1' }).client.disconnect()`,
    );
    expect(loaded).toContain('ioredis');
  });
});
