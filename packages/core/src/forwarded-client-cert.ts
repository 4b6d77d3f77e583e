import { BulwarkError } from './bulwark-error.js';
import { type Peer, peerId } from './peer.js';

/**
 * One element of Envoy's `x-forwarded-client-cert` header: the client certificate one proxy
 * verified. Keys Bulwark does not know are ignored.
 */
export interface ForwardedClientCert {
  /** `By`: the URI SAN of the proxy's own certificate. */
  readonly by: string | undefined;
  /** `Hash`: SHA-256 of the client certificate's DER, hex. */
  readonly hash: string | undefined;
  /** `Subject`: the client certificate's subject, RFC 2253/4514. */
  readonly subject: string | undefined;
  /** `URI`: the client certificate's URI SANs. */
  readonly uris: readonly string[];
  /** `DNS`: the client certificate's DNS SANs. */
  readonly dnsNames: readonly string[];
  /** `Cert`: the URL-encoded PEM of the client certificate. */
  readonly cert: string | undefined;
  /** `Chain`: the URL-encoded PEM chain. */
  readonly chain: string | undefined;
}

/** Why an `x-forwarded-client-cert` value was refused. */
export type ForwardedClientCertErrorCode = 'XFCC_MALFORMED';

/**
 * Thrown by {@link parseForwardedClientCert} for a value that is not valid XFCC. The message
 * says what and where, never the value.
 */
export class ForwardedClientCertError extends BulwarkError<ForwardedClientCertErrorCode> {}

/** Bounds that keep a hostile header cheap to refuse. */
const MAX_LENGTH = 64 * 1024;
const MAX_ELEMENTS = 32;

const SINGLE_KEYS = new Set(['by', 'hash', 'subject', 'cert', 'chain']);
const KEY_CHAR = /^[A-Za-z]$/;
const HASH = /^[0-9a-fA-F]{64}$/;

function malformed(message: string, at: number): ForwardedClientCertError {
  return new ForwardedClientCertError('XFCC_MALFORMED', `${message} at offset ${at}`);
}

function isOws(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

/**
 * Parses an Envoy `x-forwarded-client-cert` value into its elements, first (farthest) to last
 * (nearest). Elements are separated by `,`, key-value pairs by `;`, and a value may be a
 * double-quoted string in which `\` escapes the next character; `,`, `;` and `=` in a value
 * must be quoted. `By`, `Hash`, `Subject`, `Cert` and `Chain` appear at most once per element;
 * `URI` and `DNS` may repeat.
 *
 * @throws ForwardedClientCertError (`XFCC_MALFORMED`) for an empty element or pair, a key
 * without `=`, an unterminated quote, a control character, a repeated single key, more than
 * 32 elements or more than 64 KiB.
 * @example
 * ```ts
 * parseForwardedClientCert('By=spiffe://td/ns/a/sa/gw;Hash=ab…;Subject="CN=orders,O=shop";URI=spiffe://td/ns/orders/sa/orders');
 * // [{ by: 'spiffe://td/ns/a/sa/gw', hash: 'ab…', subject: 'CN=orders,O=shop', uris: ['spiffe://…'], dnsNames: [], … }]
 * ```
 */
export function parseForwardedClientCert(value: string): ForwardedClientCert[] {
  if (value.length > MAX_LENGTH) throw malformed('longer than 64 KiB', MAX_LENGTH);
  const elements: ForwardedClientCert[] = [];
  let index = 0;
  const length = value.length;

  const skipOws = () => {
    while (isOws(value[index])) index += 1;
  };

  for (;;) {
    if (elements.length === MAX_ELEMENTS) throw malformed('more than 32 elements', index);
    const single: Record<string, string> = {};
    const uris: string[] = [];
    const dnsNames: string[] = [];
    for (;;) {
      skipOws();
      const keyStart = index;
      while (index < length && KEY_CHAR.test(value[index] as string)) index += 1;
      if (index === keyStart) throw malformed('expected a key', index);
      const key = value.slice(keyStart, index).toLowerCase();
      if (value[index] !== '=') throw malformed('expected "=" after the key', index);
      index += 1;
      let text = '';
      if (value[index] === '"') {
        index += 1;
        let closed = false;
        while (index < length) {
          const char = value[index] as string;
          if (char.charCodeAt(0) < 0x20 || char === '\x7f')
            throw malformed('control character', index);
          if (char === '"') {
            closed = true;
            index += 1;
            break;
          }
          if (char === '\\') {
            index += 1;
            if (index >= length) break;
          }
          text += value[index];
          index += 1;
        }
        if (!closed) throw malformed('unterminated quoted value', index);
      } else {
        const start = index;
        while (index < length) {
          const char = value[index] as string;
          if (char === ',' || char === ';') break;
          if (char === '"') throw malformed('quote inside an unquoted value', index);
          if (char.charCodeAt(0) < 0x20 || char === '\x7f')
            throw malformed('control character', index);
          index += 1;
        }
        text = value.slice(start, index).replace(/[ \t]+$/, '');
      }
      if (key === 'uri') uris.push(text);
      else if (key === 'dns') dnsNames.push(text);
      else if (SINGLE_KEYS.has(key)) {
        if (key in single) throw malformed(`"${key}" repeated in one element`, keyStart);
        single[key] = text;
      }
      skipOws();
      if (value[index] === ';') {
        index += 1;
        continue;
      }
      break;
    }
    elements.push(
      Object.freeze({
        by: single.by,
        hash: single.hash,
        subject: single.subject,
        uris: Object.freeze(uris),
        dnsNames: Object.freeze(dnsNames),
        cert: single.cert,
        chain: single.chain,
      }),
    );
    if (index >= length) return elements;
    if (value[index] !== ',') throw malformed('expected "," or ";"', index);
    index += 1;
  }
}

/**
 * The {@link Peer} of the nearest element of an `x-forwarded-client-cert` value: the last one,
 * which the trusted proxy in front of this service appended or set, whatever Envoy's
 * `forward_client_cert_details` mode. Elements further left were written by hops this service
 * cannot vouch for. Call it only for a request whose socket peer is a trusted proxy.
 *
 * @throws ForwardedClientCertError (`XFCC_MALFORMED`) when the value does not parse or the
 * nearest element has no 64-digit hex `Hash`.
 * @example
 * ```ts
 * peerFromForwardedClientCert(request.headers['x-forwarded-client-cert']); // { source: 'proxy', … }
 * ```
 */
export function peerFromForwardedClientCert(value: string): Peer {
  const elements = parseForwardedClientCert(value);
  const nearest = elements[elements.length - 1] as ForwardedClientCert;
  if (nearest.hash === undefined || !HASH.test(nearest.hash)) {
    throw new ForwardedClientCertError(
      'XFCC_MALFORMED',
      'the nearest element has no Hash of 64 hex digits',
    );
  }
  const parts = {
    spiffeId: nearest.uris.find((uri) => uri.startsWith('spiffe://')),
    dnsNames: nearest.dnsNames,
    subject: nearest.subject ?? '',
    fingerprintSha256: nearest.hash.toLowerCase(),
  };
  return Object.freeze({ id: peerId(parts), ...parts, source: 'proxy' as const });
}
