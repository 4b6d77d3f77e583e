import { createHash, X509Certificate } from 'node:crypto';
import { peerFromCertificate, peerThumbprint } from '@bulwark/core/peer';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestCa } from '../src/index.js';

// @bulwark/core's peer reader against real certificates from the shared test CA. The test lives
// here because core cannot depend on @bulwark/testing, which depends on core.
const ca = createTestCa();
afterAll(() => ca.close());

describe('peerFromCertificate', () => {
  it('reads the SPIFFE ID, DNS names, subject and fingerprint of a real certificate', () => {
    const cert = new X509Certificate(
      ca.issueClient({
        commonName: 'orders',
        organization: 'Shop, Inc.',
        spiffeId: 'spiffe://cluster.local/ns/orders/sa/orders',
        dnsNames: ['orders.shop.svc', 'orders'],
        ipAddresses: ['10.0.0.1'],
      }).cert,
    );
    const peer = peerFromCertificate(cert);
    expect(peer).toEqual({
      id: 'spiffe://cluster.local/ns/orders/sa/orders',
      spiffeId: 'spiffe://cluster.local/ns/orders/sa/orders',
      dnsNames: ['orders.shop.svc', 'orders'],
      subject: 'CN=orders,O=Shop\\, Inc.',
      fingerprintSha256: createHash('sha256').update(cert.raw).digest('hex'),
      source: 'tls',
    });
    expect(peer.fingerprintSha256).toBe(cert.fingerprint256.replaceAll(':', '').toLowerCase());
    expect(Object.isFrozen(peer)).toBe(true);
  });

  it('takes the id from the first DNS name when there is no SPIFFE ID', () => {
    const issued = ca.issueServer({
      commonName: 'x',
      spiffeId: 'https://a.example',
      dnsNames: ['b.svc'],
      ipAddresses: [],
    });
    const peer = peerFromCertificate(new X509Certificate(issued.cert));
    expect([peer.id, peer.spiffeId]).toEqual(['b.svc', undefined]);
  });

  it('gives the RFC 8705 x5t#S256 thumbprint: base64url SHA-256 of the DER', () => {
    const issued = ca.issueServer({ commonName: 'x', dnsNames: ['x'], ipAddresses: [] });
    const cert = new X509Certificate(issued.cert);
    expect(peerThumbprint(peerFromCertificate(cert))).toBe(
      createHash('sha256').update(cert.raw).digest('base64url'),
    );
    expect(peerThumbprint(undefined)).toBeUndefined();
  });
});
