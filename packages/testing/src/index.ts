export type { AttackCategory, AttackToken, AttackTokenOptions } from './attack-tokens.js';
export { createAttackTokens, KID_INJECTIONS } from './attack-tokens.js';
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
