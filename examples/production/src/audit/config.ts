import { envList, envString } from '@bulwark/core/env';

/** Everything the audit service reads at start-up. */
export interface AuditConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /** Services allowed to call it, by certificate identity (`AUDIT_ALLOWED_PEERS`). */
  readonly allowedPeers: readonly string[];
}

/**
 * Reads the audit service's environment: `AUTH_ISSUER`, `AUTH_AUDIENCE` (default `audit-api`),
 * `AUTH_JWKS_URL`, and `AUDIT_ALLOWED_PEERS` (default the notes service's SPIFFE ID). Its TLS
 * listener (`TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CLIENT_CA_FILE`) is read by `createSecureApp`.
 */
export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const required = (name: string) => envString(name, { required: true, env, hint: `set ${name}` });
  return {
    issuer: required('AUTH_ISSUER'),
    audience: envString('AUTH_AUDIENCE', { default: 'audit-api', env }) as string,
    jwksUri: required('AUTH_JWKS_URL'),
    allowedPeers: envList('AUDIT_ALLOWED_PEERS', ['spiffe://cluster.local/ns/notes/sa/notes'], {
      env,
    }),
  };
}
