import type { JsonWebKey, KeyObject } from 'node:crypto';

/**
 * A client of the test issuer's token endpoint. Give `secret` for `client_secret_basic`
 * (RFC 6749 §2.3.1) or `publicKey` for `private_key_jwt` (RFC 7523 §2.2), not both.
 *
 * @example
 * ```ts
 * issuer.registerClient({ clientId: 'notes-service', secret: 'a-long-test-secret' });
 * issuer.registerClient({ clientId: 'orders-caller', publicKey: key.publicJwk });
 * ```
 */
export interface TestClientRegistration {
  /** The `client_id`. Registering the same id again replaces the registration. */
  readonly clientId: string;
  /** The client secret, for `client_secret_basic`. */
  readonly secret?: string;
  /**
   * The client's public key, for `private_key_jwt`: assertions must be signed by its private
   * key, with the algorithm the key type implies (ES256/ES384, RS256/PS256, EdDSA).
   */
  readonly publicKey?: KeyObject | JsonWebKey;
  /**
   * Lifetime of the tokens issued to this client, in seconds (`expires_in` and `exp`).
   * @default the issuer's `ttlSeconds`
   */
  readonly tokenTtlSeconds?: number;
}

/** How a token request authenticated its client. */
export type TokenAuthMethod = 'client_secret_basic' | 'private_key_jwt' | 'none';

/** One request the token endpoint received, with what it answered. */
export interface TokenRequestRecord {
  /** The `grant_type` parameter, `''` when missing. */
  readonly grantType: string;
  /** Every form parameter as sent (the last value of a repeated one). */
  readonly parameters: Readonly<Record<string, string>>;
  /** How the client tried to authenticate. */
  readonly authMethod: TokenAuthMethod;
  /** The authenticated client, or `undefined` when authentication failed. */
  readonly clientId: string | undefined;
  /** The thumbprint of the DPoP proof's key when the token was DPoP-bound. */
  readonly dpopJkt: string | undefined;
  /** The HTTP status answered (0 while the answer is pending). */
  readonly status: number;
  /** The OAuth `error` code answered, if any (`invalid_client`, `invalid_grant`, …). */
  readonly error: string | undefined;
  /** The `error_description` answered, if any: says exactly which check failed. */
  readonly errorDescription: string | undefined;
}

/**
 * A failure the token endpoint simulates: `'invalid_client'` answers every request with
 * 401 `invalid_client`; a number answers with that status and `{"error":"server_error"}`.
 */
export type TokenEndpointFault = 'invalid_client' | number;
