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
export type { ExpectedConfigError } from './config-error.js';
export { expectConfigError, expectConfigRejection, expectThrown } from './config-error.js';
export { compileFixtures } from './fixtures.js';
export { installedOrSkipped } from './installed.js';
export { packagesLoadedBy } from './loaded-packages.js';
export type {
  InjectedOptions,
  InvalidRegistration,
  ModuleRegistration,
  RegistrableModule,
} from './module-registration.js';
export { describeModuleRegistration } from './module-registration.js';
export type { PostgresServer } from './postgres.js';
export { hasPostgres, postgresBinDir, startPostgres } from './postgres.js';
export type { RedisServer } from './redis.js';
export { freePort, hasRedis, redisServerBinary, startRedis } from './redis.js';
export type { TlsAnswer, TlsGetOptions } from './tls-request.js';
export { tlsGet } from './tls-request.js';
