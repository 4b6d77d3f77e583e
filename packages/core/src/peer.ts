import { createHash, type X509Certificate } from 'node:crypto';
import { splitSubjectAltName } from './internal/subject-alt-name.js';
import { rawRequest } from './request-context.js';

/**
 * The service calling this one, as proven by a client certificate: verified on this
 * connection (`source: 'tls'`), or verified by a trusted mesh sidecar and passed on in its
 * `x-forwarded-client-cert` element (`source: 'proxy'`).
 *
 * The peer is who holds the connection, not who the request acts for: that is the
 * `Principal` of the access token. A request can have both.
 *
 * @example
 * ```ts
 * const peer = getPeer(request);
 * if (peer?.spiffeId === 'spiffe://cluster.local/ns/orders/sa/orders') { … }
 * ```
 */
export interface Peer {
  /**
   * Stable identity: the SPIFFE ID when the certificate has one, else the first DNS name, else
   * the subject, else `sha256:<fingerprintSha256>`.
   */
  readonly id: string;
  /** The `spiffe://` URI SAN, when the certificate has one. */
  readonly spiffeId: string | undefined;
  /** The DNS SANs, in certificate order. */
  readonly dnsNames: readonly string[];
  /**
   * The subject as an RFC 4514 string, most specific RDN first (`CN=orders,O=shop`), as Envoy
   * writes it; `''` when the certificate has an empty subject or the proxy did not send one.
   */
  readonly subject: string;
  /**
   * SHA-256 of the certificate's DER encoding, as 64 lowercase hex digits (the XFCC `Hash`
   * format). {@link peerThumbprint} gives the same digest as RFC 8705's `x5t#S256`.
   */
  readonly fingerprintSha256: string;
  /** Where the identity was proven: this connection's handshake, or a trusted proxy. */
  readonly source: 'tls' | 'proxy';
}

/**
 * Builds the {@link Peer} id from its parts.
 *
 * @example
 * ```ts
 * peerId({ spiffeId: 'spiffe://td/a', dnsNames: [], subject: '', fingerprintSha256: 'ab…' }); // 'spiffe://td/a'
 * ```
 */
export function peerId(peer: Omit<Peer, 'id' | 'source'>): string {
  return peer.spiffeId ?? peer.dnsNames[0] ?? (peer.subject || `sha256:${peer.fingerprintSha256}`);
}

/**
 * The RFC 8705 §3.1 confirmation thumbprint of the peer's certificate (`x5t#S256`): the
 * base64url SHA-256 of its DER encoding, to compare with a token's `cnf["x5t#S256"]`.
 *
 * @example
 * ```ts
 * const bound = claims.cnf?.['x5t#S256'];
 * if (bound !== undefined && bound !== peerThumbprint(getPeer(request))) refuse();
 * ```
 */
export function peerThumbprint(peer: Peer | undefined): string | undefined {
  if (peer === undefined) return undefined;
  return Buffer.from(peer.fingerprintSha256, 'hex').toString('base64url');
}

/**
 * Node's subject (`CN=a\nO=b`, certificate order, values already escaped as RFC 2253 asks) as
 * one RFC 4514 string, most specific RDN first (`O=b,CN=a`).
 */
function rfc4514(subject: string): string {
  return subject.split('\n').filter(Boolean).reverse().join(',');
}

/**
 * The {@link Peer} of a client certificate this process verified in the handshake.
 *
 * @example
 * ```ts
 * const cert = (request.socket as TLSSocket).getPeerX509Certificate();
 * if (cert) setPeer(request, peerFromCertificate(cert));
 * ```
 */
export function peerFromCertificate(certificate: X509Certificate): Peer {
  let spiffeId: string | undefined;
  const dnsNames: string[] = [];
  for (const [type, value] of splitSubjectAltName(certificate.subjectAltName)) {
    if (type === 'DNS') dnsNames.push(value);
    // SPIFFE X509-SVID §2: exactly one URI SAN, the SPIFFE ID.
    else if (type === 'URI' && spiffeId === undefined && value.startsWith('spiffe://'))
      spiffeId = value;
  }
  const parts = {
    spiffeId,
    dnsNames: Object.freeze(dnsNames),
    subject: rfc4514(certificate.subject),
    fingerprintSha256: createHash('sha256').update(certificate.raw).digest('hex'),
  };
  return Object.freeze({ id: peerId(parts), ...parts, source: 'tls' as const });
}

const PEER = Symbol.for('bulwark.peer');

/** Attaches the verified peer to a request (Express or Fastify). `@bulwark/http` does this. */
export function setPeer(request: unknown, peer: Peer): void {
  (rawRequest(request) as unknown as Record<symbol, unknown>)[PEER] = peer;
}

/**
 * The peer attached by `@bulwark/http` (verified client certificate, or the trusted proxy's
 * `x-forwarded-client-cert`), or `undefined` when the caller proved no service identity.
 *
 * @example
 * ```ts
 * const peer = getPeer(request); // { id: 'spiffe://cluster.local/ns/orders/sa/orders', source: 'tls', … }
 * ```
 */
export function getPeer(request: unknown): Peer | undefined {
  return (rawRequest(request) as unknown as Record<symbol, Peer | undefined>)[PEER];
}
