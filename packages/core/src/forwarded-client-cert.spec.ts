import { describe, expect, it } from 'vitest';
import {
  ForwardedClientCertError,
  parseForwardedClientCert,
  peerFromForwardedClientCert,
} from './forwarded-client-cert.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'B'.repeat(64);

function refusal(value: string): string {
  try {
    parseForwardedClientCert(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ForwardedClientCertError);
    expect((error as ForwardedClientCertError).code).toBe('XFCC_MALFORMED');
    return (error as Error).message;
  }
  throw new Error(`accepted: ${value}`);
}

describe('parseForwardedClientCert', () => {
  it('reads every key of one element, as Envoy writes it', () => {
    const [element, ...rest] = parseForwardedClientCert(
      `By=spiffe://cluster.local/ns/web/sa/gateway;Hash=${HASH_A};Cert="-----BEGIN%20CERTIFICATE-----";Subject="CN=orders,O=Shop";URI=spiffe://cluster.local/ns/orders/sa/orders;DNS=orders.shop.svc;DNS=orders`,
    );
    expect(rest).toEqual([]);
    expect(element).toEqual({
      by: 'spiffe://cluster.local/ns/web/sa/gateway',
      hash: HASH_A,
      subject: 'CN=orders,O=Shop',
      uris: ['spiffe://cluster.local/ns/orders/sa/orders'],
      dnsNames: ['orders.shop.svc', 'orders'],
      cert: '-----BEGIN%20CERTIFICATE-----',
      chain: undefined,
    });
  });

  it('splits elements on commas outside quotes, farthest first', () => {
    const elements = parseForwardedClientCert(
      `By=spiffe://td/a;Hash=${HASH_A};Subject="CN=first, O=x;y";URI=spiffe://td/one,By=spiffe://td/b;Hash=${HASH_B};URI=spiffe://td/two`,
    );
    expect(elements.map((e) => e.uris[0])).toEqual(['spiffe://td/one', 'spiffe://td/two']);
    expect(elements[0]?.subject).toBe('CN=first, O=x;y');
  });

  it('unescapes backslashes in quoted values and keeps "=" inside them', () => {
    const [element] = parseForwardedClientCert(
      `Hash=${HASH_A};Subject="CN=say \\"hi\\",OU=a\\\\b,O=k=v"`,
    );
    expect(element?.subject).toBe('CN=say "hi",OU=a\\b,O=k=v');
  });

  it('accepts an empty quoted value and whitespace around separators', () => {
    const elements = parseForwardedClientCert(`Hash=${HASH_A} ; Subject="" , Hash=${HASH_B}`);
    expect(elements.map((e) => [e.hash, e.subject])).toEqual([
      [HASH_A, ''],
      [HASH_B, undefined],
    ]);
  });

  it('ignores keys it does not know', () => {
    const [element] = parseForwardedClientCert(`Hash=${HASH_A};Future=1`);
    expect(element?.hash).toBe(HASH_A);
  });

  it.each([
    ['an empty value', '', 'expected a key at offset 0'],
    ['a trailing comma', `Hash=${HASH_A},`, 'expected a key at offset 70'],
    ['an empty element', `Hash=${HASH_A},,Hash=${HASH_B}`, 'expected a key at offset 70'],
    ['a trailing semicolon', `Hash=${HASH_A};`, 'expected a key at offset 70'],
    ['a key without "="', 'Hash', 'expected "=" after the key at offset 4'],
    ['an unterminated quote', 'Subject="CN=a', 'unterminated quoted value at offset 13'],
    [
      'a quote inside a bare value',
      'URI=spiffe://a"b',
      'quote inside an unquoted value at offset 14',
    ],
    ['text after a quoted value', 'Subject="CN=a"x;Hash=1', 'expected "," or ";" at offset 14'],
    ['a control character', 'URI=spiffe://a\u0000b', 'control character at offset 14'],
    ['a line break in quotes', 'Subject="CN=a\nO=b"', 'control character at offset 13'],
    [
      'a repeated Hash',
      `Hash=${HASH_A};Hash=${HASH_B}`,
      '"hash" repeated in one element at offset 70',
    ],
    ['a repeated By', 'By=a;By=b', '"by" repeated in one element at offset 5'],
    ['a key with other characters', 'Ha-sh=1', 'expected "=" after the key at offset 2'],
  ])('refuses %s', (_name, value, message) => {
    expect(refusal(value)).toBe(message);
  });

  it('refuses more than 32 elements and more than 64 KiB', () => {
    expect(refusal(Array.from({ length: 33 }, () => `Hash=${HASH_A}`).join(','))).toBe(
      'more than 32 elements at offset 2240',
    );
    expect(refusal(`Subject="${'x'.repeat(65_536)}"`)).toBe('longer than 64 KiB at offset 65536');
  });
});

describe('peerFromForwardedClientCert', () => {
  it('uses the nearest (last) element only', () => {
    const peer = peerFromForwardedClientCert(
      `Hash=${HASH_A};URI=spiffe://td/ns/evil/sa/forged,By=spiffe://td/gw;Hash=${HASH_B};Subject="CN=orders";URI=spiffe://td/ns/orders/sa/orders;DNS=orders.svc`,
    );
    expect(peer).toEqual({
      id: 'spiffe://td/ns/orders/sa/orders',
      spiffeId: 'spiffe://td/ns/orders/sa/orders',
      dnsNames: ['orders.svc'],
      subject: 'CN=orders',
      fingerprintSha256: 'b'.repeat(64),
      source: 'proxy',
    });
  });

  it('falls back to a DNS name, the subject, then the fingerprint for the id', () => {
    expect(peerFromForwardedClientCert(`Hash=${HASH_A};URI=https://x;DNS=a.svc`).id).toBe('a.svc');
    expect(peerFromForwardedClientCert(`Hash=${HASH_A};Subject="CN=a"`).id).toBe('CN=a');
    expect(peerFromForwardedClientCert(`Hash=${HASH_A}`).id).toBe(`sha256:${HASH_A}`);
  });

  it('refuses a nearest element without a well-formed Hash, even when a farther one has it', () => {
    for (const value of [`Hash=${HASH_A},URI=spiffe://td/x`, 'Hash=abc', `Hash="${HASH_A}0"`]) {
      expect(() => peerFromForwardedClientCert(value)).toThrow(
        'the nearest element has no Hash of 64 hex digits',
      );
    }
  });
});
