/**
 * For packages that identify the calling service: trusted proxies and client addresses,
 * forwarded client certificates, and peers from certificates.
 *
 * @packageDocumentation
 */
export type { TrustProxy } from '../client-address.js';
export {
  ClientAddressResolver,
  normalizeAddress,
  parseTrustProxy,
  UNKNOWN_CLIENT_ADDRESS,
} from '../client-address.js';
export type {
  ForwardedClientCert,
  ForwardedClientCertErrorCode,
} from '../forwarded-client-cert.js';
export {
  ForwardedClientCertError,
  parseForwardedClientCert,
  peerFromForwardedClientCert,
} from '../forwarded-client-cert.js';
export { peerFromCertificate, peerId, peerThumbprint } from '../peer.js';
