export type {
  ConformanceHints,
  ConformanceResult,
  IssuedCertificate,
  MintOptions,
  TestCa,
  TestIssuer,
} from '@bulwark/testing';
export { createTestCa, createTestIssuer, runConformance } from '@bulwark/testing';
export type { AdapterName } from './adapters.js';
export { ADAPTERS } from './adapters.js';
export type { BootstrapOptions, RunningApp } from './bootstrap.js';
export { bootstrap, createAdapter } from './bootstrap.js';
export { compileFixtures } from './fixtures.js';
export { packagesLoadedBy } from './loaded-packages.js';
export type { PostgresServer } from './postgres.js';
export { hasPostgres, postgresBinDir, startPostgres } from './postgres.js';
export type { RedisServer } from './redis.js';
export { freePort, hasRedis, redisServerBinary, startRedis } from './redis.js';
