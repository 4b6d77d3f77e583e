export type { SigningAlgorithm } from './jws.js';
export { base64url, signCompact } from './jws.js';
export type {
  IssuerAlgorithm,
  IssuerKey,
  MintOptions,
  TestIssuer,
  TestIssuerOptions,
} from './test-issuer.js';
export { createKey, createTestIssuer } from './test-issuer.js';
