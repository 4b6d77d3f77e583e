import { describe, expect, it } from 'vitest';
import { splitSubjectAltName } from './internal/subject-alt-name.js';
import { getPeer, type Peer, setPeer } from './peer.js';

// peerFromCertificate and peerThumbprint are tested against certificates from the shared test CA
// in the harness (test/test/peer-certificate.spec.ts): core cannot depend on @bulwark/testing.

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
