export type { MintOptions, TestIssuer } from '@bulwark/testing';
export { createTestIssuer } from '@bulwark/testing';
export type { AdapterName } from './adapters.js';
export { ADAPTERS } from './adapters.js';
export type { BootstrapOptions, RunningApp } from './bootstrap.js';
export { bootstrap, createAdapter } from './bootstrap.js';
export { compileFixtures } from './fixtures.js';
export type { RedisServer } from './redis.js';
export { freePort, hasRedis, redisServerBinary, startRedis } from './redis.js';
