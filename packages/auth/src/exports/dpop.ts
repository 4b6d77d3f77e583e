/**
 * DPoP (RFC 9449) beyond the `dpop` option: the proof verifier a `TokenVerifier` holds
 * (`verifier.dpop`), and the replay stores, to share one or to write your own (`dpop.replayStore`).
 *
 * @packageDocumentation
 */
export type { DpopReplayStore, RedisDpopReplayStoreOptions } from '../dpop-replay.store.js';
export { MemoryDpopReplayStore, RedisDpopReplayStore } from '../dpop-replay.store.js';
export type { DpopVerifier, VerifiedDpopProof } from '../dpop-verifier.js';
