/**
 * Tokens made by hand: every JWT attack a verifier must refuse, a compact JWS signed with no
 * validation, signing keys, and the two binding values of sender-constrained tokens (`cnf.jkt`,
 * `cnf["x5t#S256"]`).
 *
 * @packageDocumentation
 */
export type { AttackCategory, AttackToken, AttackTokenOptions } from '../attack-tokens.js';
export { createAttackTokens, KID_INJECTIONS } from '../attack-tokens.js';
export { jwkThumbprint } from '../dpop.js';
export type { SigningAlgorithm } from '../jws.js';
export { base64url, signCompact } from '../jws.js';
export type { IssuerAlgorithm, IssuerKey } from '../test-issuer.js';
export { certificateThumbprint, createKey } from '../test-issuer.js';
