import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitSubjectAltName } from './internal/subject-alt-name.js';
import { getPeer, type Peer, peerFromCertificate, peerThumbprint, setPeer } from './peer.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-peer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function selfSigned(subject: string, san: string): X509Certificate {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      subject,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'ignore' },
  );
  return new X509Certificate(readFileSync(cert));
}

describe('peerFromCertificate', () => {
  it('reads the SPIFFE ID, DNS names, subject and fingerprint of a real certificate', () => {
    const cert = selfSigned(
      '/O=Shop\\, Inc./CN=orders',
      'URI:spiffe://cluster.local/ns/orders/sa/orders,DNS:orders.shop.svc,DNS:orders,IP:10.0.0.1',
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
    const peer = peerFromCertificate(selfSigned('/CN=x', 'URI:https://a.example,DNS:b.svc'));
    expect([peer.id, peer.spiffeId]).toEqual(['b.svc', undefined]);
  });

  it('gives the RFC 8705 x5t#S256 thumbprint: base64url SHA-256 of the DER', () => {
    const cert = selfSigned('/CN=x', 'DNS:x');
    expect(peerThumbprint(peerFromCertificate(cert))).toBe(
      createHash('sha256').update(cert.raw).digest('base64url'),
    );
    expect(peerThumbprint(undefined)).toBeUndefined();
  });
});

describe('splitSubjectAltName', () => {
  it('splits entries and decodes the JSON-quoted values Node writes for special characters', () => {
    expect(
      splitSubjectAltName('DNS:a.svc, URI:"spiffe://td/x, DNS:forged", IP Address:10.0.0.1'),
    ).toEqual([
      ['DNS', 'a.svc'],
      ['URI', 'spiffe://td/x, DNS:forged'],
      ['IP Address', '10.0.0.1'],
    ]);
    expect(splitSubjectAltName(undefined)).toEqual([]);
  });
});

describe('setPeer / getPeer', () => {
  it('keeps the peer on the raw request, the same on Express and Fastify', () => {
    const raw = {};
    const peer = { id: 'p' } as Peer;
    setPeer({ raw }, peer);
    expect(getPeer(raw)).toBe(peer);
    expect(getPeer({})).toBeUndefined();
  });
});
