import { randomUUID } from 'node:crypto';
import { decodeSegment } from './internal/segments.js';
import { base64url, signCompact } from './jws.js';
import { createKey, type TestIssuer } from './test-issuer.js';

/** The family an attack token belongs to; one per row of the auth issue's test list. */
export type AttackCategory =
  | 'alg-none'
  | 'key-confusion'
  | 'signature'
  | 'header-key'
  | 'kid-injection'
  | 'unknown-kid'
  | 'time'
  | 'issuer'
  | 'audience'
  | 'type'
  | 'crit'
  | 'size';

/** One token that a correct verifier must refuse. */
export interface AttackToken {
  /** A stable id such as `alg-none:NONE` or `iss:near-miss-trailing-slash`. */
  readonly id: string;
  /** The attack family. */
  readonly category: AttackCategory;
  /** What is wrong with the token, in one sentence. */
  readonly defect: string;
  /** The compact token, to send as `Authorization: Bearer <token>`. */
  readonly token: string;
}

/** Options of {@link createAttackTokens}. */
export interface AttackTokenOptions {
  /**
   * A URL on a host the attacker controls, for `jku`, `x5u` and URL-shaped `kid` values. A
   * verifier must never fetch it: point it at a counting server to prove that.
   * @default 'http://127.0.0.1:9/attacker'
   */
  attackerUrl?: string;
  /**
   * Claims merged into every token, so that everything except the defect would be accepted
   * (for example the scopes a route needs).
   * @default {}
   */
  claims?: Record<string, unknown>;
  /**
   * The clock, in seconds since the epoch.
   * @default Math.floor(Date.now() / 1000)
   */
  now?: number;
  /**
   * The verifier's maximum token length; the oversized token is one byte longer.
   * @default 8192
   */
  maxTokenBytes?: number;
  /**
   * Token types the service accepts in `typ`. A `typ: JWT` attack is only made when `JWT` is
   * not in this list (RFC 9068 §2.1 lets a service opt into untyped IdPs).
   * @default ['at+jwt', 'application/at+jwt']
   */
  acceptedTokenTypes?: readonly string[];
}

/**
 * The `kid` values a verifier must treat as opaque strings: never a path, a query, a URL or a
 * template. Each is signed with a key the issuer does not know.
 */
export const KID_INJECTIONS: Readonly<Record<string, string>> = {
  'path-traversal': '../../../../../../dev/null',
  sql: "' OR '1'='1' --",
  nul: 'key\u0000.pem',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell-style kid, taken literally.
  jndi: '${jndi:ldap://127.0.0.1:9/a}',
  wildcard: '*',
  'command-substitution': '$(id)',
  long: 'k'.repeat(2048),
};

/**
 * Builds every JWT attack of RFC 8725 and the Bulwark auth issue against a {@link TestIssuer}:
 * `alg: none` in four casings, HS256 signed with the issuer's RSA public key (PEM and JWK),
 * a tampered payload, a stripped signature, an all-zero ES256 signature (CVE-2022-21449),
 * `jwk`/`jku`/`x5u`/`x5c` header keys, `kid` injection strings, an unknown `kid`, expired,
 * not-yet-valid and exp-less tokens, wrong and near-miss `iss`/`aud`, `typ: JWT` and no `typ`,
 * an unknown `crit` member, and an oversized token.
 *
 * Every token is otherwise valid for the issuer, so a verifier that accepts one has exactly
 * the hole the token names.
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer();
 * for (const attack of createAttackTokens(issuer, { claims: { scope: 'notes:read' } })) {
 *   const res = await fetch(url, { headers: { authorization: `Bearer ${attack.token}` } });
 *   assert.equal(res.status, 401, attack.id);
 * }
 * ```
 */
export function createAttackTokens(
  issuer: TestIssuer,
  options: AttackTokenOptions = {},
): AttackToken[] {
  const attackerUrl = (options.attackerUrl ?? 'http://127.0.0.1:9/attacker').replace(/\/+$/, '');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const maxBytes = options.maxTokenBytes ?? 8192;
  const accepted = (options.acceptedTokenTypes ?? ['at+jwt', 'application/at+jwt']).map((t) =>
    t.toLowerCase(),
  );
  const extra = options.claims ?? {};
  const mint = (
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    alg: 'ES256' | 'RS256' = 'ES256',
  ) => issuer.mint({ alg, now, claims: { ...extra, ...claims }, header });
  const claimsOf = (token: string) => decodeSegment(token.split('.')[1] ?? '');
  const valid = mint();
  const validClaims = claimsOf(valid);
  const rogue = createKey('ES256');
  const rogueToken = (header: Record<string, unknown>) =>
    signCompact({ alg: 'ES256', typ: 'at+jwt', ...header }, validClaims, 'ES256', rogue.privateKey);
  const attacks: AttackToken[] = [];
  const add = (id: string, category: AttackCategory, defect: string, token: string) =>
    attacks.push({ id, category, defect, token });

  // RFC 8725 §3.1 / §2.1: "none" must never be accepted, whatever its casing.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const input = `${base64url(JSON.stringify({ alg, typ: 'at+jwt' }))}.${base64url(JSON.stringify(validClaims))}`;
    add(`alg-none:${alg}`, 'alg-none', `unsecured JWS with alg "${alg}"`, `${input}.`);
  }

  // RFC 8725 §2.1: algorithm confusion, the public key used as an HMAC secret.
  const rsa = [...issuer.keys].reverse().find((key) => key.alg === 'RS256');
  if (rsa) {
    const header = { alg: 'HS256', typ: 'at+jwt', kid: rsa.kid };
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    add(
      'hs256-public-key:pem',
      'key-confusion',
      'HS256 signed with the RSA public key as PEM',
      signCompact(header, validClaims, 'HS256', Buffer.from(pem)),
    );
    add(
      'hs256-public-key:jwk',
      'key-confusion',
      'HS256 signed with the RSA public key as JWK JSON',
      signCompact(header, validClaims, 'HS256', Buffer.from(JSON.stringify(rsa.publicJwk))),
    );
  }

  const [header = '', , signature = ''] = valid.split('.');
  const tampered = { ...validClaims, sub: 'mallory', scope: 'admin', roles: ['admin'] };
  add(
    'signature:tampered-payload',
    'signature',
    'payload changed after signing (sub, scope and roles raised)',
    `${header}.${base64url(JSON.stringify(tampered))}.${signature}`,
  );
  const [h, p] = valid.split('.');
  add('signature:stripped', 'signature', 'signature removed, trailing dot kept', `${h}.${p}.`);
  add('signature:two-segments', 'signature', 'signature segment removed', `${h}.${p}`);
  add(
    'signature:es256-all-zero',
    'signature',
    'ES256 signature of 64 zero bytes (CVE-2022-21449, "psychic signatures")',
    `${h}.${p}.${base64url(new Uint8Array(64))}`,
  );

  // RFC 8725 §3.10: keys named by the token itself are attacker-controlled.
  add(
    'header-key:jwk',
    'header-key',
    'signed by a key embedded in the jwk header',
    rogueToken({ kid: rogue.kid, jwk: rogue.publicJwk }),
  );
  add(
    'header-key:jku',
    'header-key',
    `jku header points to ${attackerUrl}`,
    rogueToken({ kid: rogue.kid, jku: `${attackerUrl}/jwks.json` }),
  );
  add(
    'header-key:x5u',
    'header-key',
    `x5u header points to ${attackerUrl}`,
    rogueToken({ kid: rogue.kid, x5u: `${attackerUrl}/cert.pem` }),
  );
  add(
    'header-key:x5c',
    'header-key',
    'self-supplied x5c certificate chain',
    rogueToken({ kid: rogue.kid, x5c: ['MIIBattacker'] }),
  );

  for (const [name, kid] of Object.entries({ ...KID_INJECTIONS, url: `${attackerUrl}/key` })) {
    add(
      `kid-injection:${name}`,
      'kid-injection',
      `kid is an injection string (${name})`,
      rogueToken({ kid }),
    );
  }
  add(
    'unknown-kid',
    'unknown-kid',
    'kid the issuer never published, signed by a rogue key',
    rogueToken({ kid: `unknown-${randomUUID()}` }),
  );

  // Well past any clock tolerance (RFC 7519 §4.1.4, §4.1.5).
  add(
    'time:expired',
    'time',
    'exp one hour ago',
    mint({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
  );
  add('time:not-yet-valid', 'time', 'nbf one hour ahead', mint({ nbf: now + 3600 }));
  add('time:missing-exp', 'time', 'no exp claim', mint({ exp: undefined }));

  const iss = issuer.issuer;
  add('iss:wrong', 'issuer', 'iss of another issuer', mint({ iss: 'https://attacker.example' }));
  add(
    'iss:near-miss-trailing-slash',
    'issuer',
    'iss with a trailing slash',
    mint({ iss: `${iss}/` }),
  );
  add(
    'iss:near-miss-suffix',
    'issuer',
    'iss with a suffix appended',
    mint({ iss: `${iss}.attacker.example` }),
  );
  add('iss:near-miss-case', 'issuer', 'iss in upper case', mint({ iss: iss.toUpperCase() }));
  add('iss:missing', 'issuer', 'no iss claim', mint({ iss: undefined }));

  const aud = issuer.audience;
  add('aud:wrong', 'audience', 'aud of another service', mint({ aud: 'another-service' }));
  add('aud:near-miss-suffix', 'audience', 'aud with a suffix', mint({ aud: `${aud}-admin` }));
  add('aud:near-miss-prefix', 'audience', 'aud with a prefix', mint({ aud: `x${aud}` }));
  add('aud:near-miss-case', 'audience', 'aud in upper case', mint({ aud: aud.toUpperCase() }));
  add(
    'aud:array-without',
    'audience',
    'aud array that does not contain the audience',
    mint({ aud: ['another-service', `${aud} `] }),
  );
  add('aud:missing', 'audience', 'no aud claim', mint({ aud: undefined }));

  // RFC 9068 §2.1 / RFC 8725 §3.11: explicit typing keeps ID tokens out.
  if (!accepted.includes('jwt'))
    add('typ:jwt', 'type', 'typ "JWT" instead of "at+jwt"', mint({}, { typ: 'JWT' }));
  add('typ:missing', 'type', 'no typ header', mint({}, { typ: undefined }));
  add('typ:id-token', 'type', 'an OpenID ID token type', mint({}, { typ: 'id_token+jwt' }));

  // RFC 7515 §4.1.11: a crit member the recipient does not understand must be refused.
  add(
    'crit:unknown',
    'crit',
    'crit names an extension no verifier knows',
    mint({}, { crit: ['urn:bulwark:unknown'], 'urn:bulwark:unknown': true }),
  );

  add('size:oversized', 'size', `token longer than ${maxBytes} bytes`, oversized(mint, maxBytes));
  return attacks;
}

function oversized(mint: (claims: Record<string, unknown>) => string, maxBytes: number): string {
  let token = mint({ padding: 'x'.repeat(maxBytes) });
  // base64url grows the claim by 4/3, so the token is always past the limit; check anyway.
  while (token.length <= maxBytes) token = mint({ padding: 'x'.repeat(token.length * 2) });
  return token;
}
