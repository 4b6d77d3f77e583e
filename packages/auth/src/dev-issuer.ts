import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, DEV_ISSUER_DIRECTORY } from './auth.constants.js';
import { loadDevIssuerKey } from './internal/dev-issuer-key.js';

/** What to put in a development token. */
export interface DevTokenOptions {
  /**
   * The subject.
   * @default 'dev-user'
   */
  sub?: string;
  /** Scopes, joined into the space-delimited `scope` claim. */
  scopes?: readonly string[];
  /** Roles, in the `roles` claim. */
  roles?: readonly string[];
  /**
   * Lifetime in seconds.
   * @default 3600
   */
  ttl?: number;
  /**
   * The `iss` claim.
   * @default process.env.AUTH_ISSUER ?? 'urn:bulwark:dev-issuer'
   */
  issuer?: string;
  /**
   * The `aud` claim.
   * @default process.env.AUTH_AUDIENCE ?? 'urn:bulwark:dev-audience'
   */
  audience?: string;
  /**
   * The key folder, shared with the module's `devIssuer.directory`.
   * @default process.env.AUTH_DEV_ISSUER_DIR ?? '.bulwark/dev-issuer'
   */
  directory?: string;
  /** Extra claims. */
  claims?: Record<string, unknown>;
}

/**
 * Mints an RFC 9068 access token from the development issuer, creating its key pair on first use.
 * A service running outside production with no key source configured accepts these tokens.
 *
 * @example
 * ```ts
 * const token = await mintDevToken({ sub: 'alice', scopes: ['notes:read'], roles: ['admin'] });
 * ```
 */
export async function mintDevToken(options: DevTokenOptions = {}): Promise<string> {
  const ttl = options.ttl ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new TypeError('ttl must be a positive integer');
  const key = await loadDevIssuerKey(
    options.directory ?? process.env.AUTH_DEV_ISSUER_DIR ?? DEV_ISSUER_DIRECTORY,
  );
  const audience = options.audience ?? process.env.AUTH_AUDIENCE?.split(',')[0]?.trim();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    client_id: 'bulwark-dev-token',
    ...(options.scopes?.length ? { scope: options.scopes.join(' ') } : {}),
    ...(options.roles?.length ? { roles: [...options.roles] } : {}),
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
    .setIssuer(options.issuer ?? (process.env.AUTH_ISSUER || DEV_ISSUER))
    .setAudience(audience || DEV_AUDIENCE)
    .setSubject(options.sub ?? 'dev-user')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttl)
    .setJti(randomUUID())
    .sign(key.privateKey);
}
