export type { AttackCategory, AttackToken, AttackTokenOptions } from './attack-tokens.js';
export { createAttackTokens, KID_INJECTIONS } from './attack-tokens.js';
export type {
  AdminHint,
  ClientCertificateHint,
  ConformanceCategory,
  ConformanceHints,
  ConformanceMethod,
  MtlsHint,
  RateLimitHint,
  ResourceHint,
  RouteHint,
} from './conformance-hints.interface.js';
export { CONFORMANCE_CATEGORIES } from './conformance-hints.interface.js';
export { assertConformance, formatConformanceReport } from './conformance-report.js';
export type {
  ConformanceCheck,
  ConformanceResult,
  ConformanceStatus,
} from './conformance-result.interface.js';
export type {
  DpopAlgorithm,
  DpopKey,
  DpopProofOptions,
  HostileDpopProof,
} from './dpop.js';
export {
  createDpopKey,
  createDpopProof,
  createHostileDpopProofs,
  jwkThumbprint,
} from './dpop.js';
export type { SigningAlgorithm } from './jws.js';
export { base64url, signCompact } from './jws.js';
export { runConformance } from './run-conformance.js';
export type { IssuedCertificate, IssueOptions, TestCa, TestCaOptions } from './test-ca.js';
export { createTestCa } from './test-ca.js';
export type {
  IssuerAlgorithm,
  IssuerKey,
  MintOptions,
  TestIssuer,
  TestIssuerOptions,
} from './test-issuer.js';
export { certificateThumbprint, createKey, createTestIssuer } from './test-issuer.js';
export type { TestingErrorCode } from './testing.error.js';
export { TestingError } from './testing.error.js';
export type {
  TestClientRegistration,
  TokenAuthMethod,
  TokenEndpointFault,
  TokenRequestRecord,
} from './token-endpoint.interface.js';
