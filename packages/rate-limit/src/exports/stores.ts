/**
 * The stores: the `RateLimitStore` contract a store of your own implements (the `store`
 * option), with the built-in memory (GCRA, LRU) and Redis (one atomic script per decision) stores.
 *
 * @packageDocumentation
 */
export type { MemoryStoreOptions } from '../memory.store.js';
export { MemoryRateLimitStore } from '../memory.store.js';
export type {
  RateLimitDecision,
  RateLimitRule,
  RateLimitStore,
} from '../rate-limit-store.interface.js';
export type { RedisStoreOptions } from '../redis.store.js';
export { RedisRateLimitStore } from '../redis.store.js';
