import { rawRequest } from './request-context.js';

/**
 * The authenticated caller, normalised from a verified access token.
 *
 * Identity is the pair (`issuer`, `subject`): the same `sub` from two issuers is two people.
 */
export interface Principal {
  /** Stable identity: `${issuer}|${subject}`. Use it for ownership and rate-limit keys. */
  readonly id: string;
  /** The `iss` claim. */
  readonly issuer: string;
  /** The `sub` claim. */
  readonly subject: string;
  /** The OAuth client (`client_id` or `azp`), when the token names one. */
  readonly clientId: string | undefined;
  /** Granted scopes, from `scope` (space-delimited) or `scp` (array). */
  readonly scopes: readonly string[];
  /** Granted roles, from the configured role claim. */
  readonly roles: readonly string[];
  /** Every verified claim, read-only. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** When the token expires. */
  readonly expiresAt: Date;
}

/**
 * Builds the principal id from issuer and subject.
 *
 * @example
 * ```ts
 * principalId('https://idp.example', 'alice'); // 'https://idp.example|alice'
 * ```
 */
export function principalId(issuer: string, subject: string): string {
  return `${issuer}|${subject}`;
}

const PRINCIPAL = Symbol.for('bulwark.principal');

/** Attaches the verified principal to a request (Express or Fastify). */
export function setPrincipal(request: unknown, principal: Principal): void {
  (rawRequest(request) as unknown as Record<symbol, unknown>)[PRINCIPAL] = principal;
}

/** Reads the principal attached by `@bulwark/auth`, or `undefined` when the caller is anonymous. */
export function getPrincipal(request: unknown): Principal | undefined {
  return (rawRequest(request) as unknown as Record<symbol, Principal | undefined>)[PRINCIPAL];
}
