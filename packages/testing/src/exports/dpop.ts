/**
 * DPoP keys and proofs (RFC 9449): honest proofs with every member overridable, and the hostile
 * proofs a resource server must refuse.
 *
 * @packageDocumentation
 */
export type { DpopAlgorithm, DpopKey, DpopProofOptions, HostileDpopProof } from '../dpop.js';
export { createDpopKey, createDpopProof, createHostileDpopProofs } from '../dpop.js';
