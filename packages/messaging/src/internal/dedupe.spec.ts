import { describe, expect, it } from 'vitest';
import { MemoryDedupe } from './dedupe.js';

describe('MemoryDedupe', () => {
  it('remembers at most capacity ids, forgetting the oldest first', async () => {
    const store = new MemoryDedupe(3);
    for (const id of ['a', 'b', 'c']) await store.add(id);
    expect(await store.has('a')).toBe(true);
    await store.add('d');
    expect(await store.has('a')).toBe(false);
    for (const id of ['b', 'c', 'd']) expect(await store.has(id), id).toBe(true);
    for (let i = 0; i < 10_000; i++) await store.add(`id-${i}`);
    expect(await store.has('id-9999')).toBe(true);
    expect(await store.has('id-9996')).toBe(false);
  });
});
