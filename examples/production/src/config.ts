import { envBool, envInt, envList, envString } from '@bulwark/core/env';
import { loadSecrets, type SecretStore } from '@bulwark/secrets';

/** Everything the service reads at start-up. */
export interface ProductionConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
  /** From the mounted secret `REDIS_URL` (it may carry a password). */
  readonly redisUrl: string;
  readonly rateLimit: {
    readonly limit: number;
    readonly windowSeconds: number;
    readonly replicas: number;
  };
  readonly metricsPort: number;
  readonly secrets: SecretStore;
  /** The audit service the notes service calls, when `AUDIT_URL` is set. */
  readonly audit: AuditTarget | undefined;
}

/**
 * The second service: called over mTLS (the service's own `TLS_CERT_FILE`/`TLS_KEY_FILE`, the
 * server verified against `TLS_CA_FILE` and `AUDIT_PEER`) with the user's token exchanged at
 * `AUTH_TOKEN_URL` for one whose audience is `AUDIT_AUDIENCE` (client `AUTH_CLIENT_ID`, secret
 * or key from `AUTH_CLIENT_SECRET_FILE` / `AUTH_CLIENT_KEY_FILE`).
 */
export interface AuditTarget {
  /** `AUDIT_URL`, e.g. `https://audit.audit.svc:8443`. */
  readonly url: string;
  /** `AUDIT_AUDIENCE`, default `audit-api`. */
  readonly audience: string;
  /** `AUDIT_PEER`, default `spiffe://cluster.local/ns/audit/sa/audit`. */
  readonly peer: string;
}

/**
 * Reads the environment and the mounted secrets: `REDIS_URL` comes from `REDIS_URL_FILE`, or a
 * file named `redis-url`/`REDIS_URL` in `SECRETS_DIR` (default `/run/secrets`), never from a
 * plain variable in production.
 */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<ProductionConfig> {
  const required = (name: string) => envString(name, { required: true, env, hint: `set ${name}` });
  const secrets = await loadSecrets({
    required: ['REDIS_URL'],
    directories: envList('SECRETS_DIR', ['/run/secrets'], { env }),
    env,
    allowEnv: !envBool('SECRETS_FILES_ONLY', true, { env }),
  });
  return {
    issuer: required('AUTH_ISSUER'),
    audience: required('AUTH_AUDIENCE'),
    jwksUri: required('AUTH_JWKS_URL'),
    algorithms: envList('AUTH_ALGORITHMS', ['ES256', 'EdDSA', 'RS256', 'PS256'], { env }),
    redisUrl: secrets.get('REDIS_URL'),
    rateLimit: {
      limit: envInt('RATE_LIMIT_MAX', 100, { env, min: 1 }),
      windowSeconds: envInt('RATE_LIMIT_WINDOW_SECONDS', 60, { env, min: 1 }),
      replicas: envInt('RATE_LIMIT_REPLICAS', 1, { env, min: 1 }),
    },
    metricsPort: envInt('METRICS_PORT', 9464, { env, min: 0, max: 65535 }),
    secrets,
    audit: auditTarget(env),
  };
}

function auditTarget(env: NodeJS.ProcessEnv): AuditTarget | undefined {
  const url = envString('AUDIT_URL', { env });
  if (!url) return undefined;
  return {
    url,
    audience: envString('AUDIT_AUDIENCE', { default: 'audit-api', env }) as string,
    peer: envString('AUDIT_PEER', {
      default: 'spiffe://cluster.local/ns/audit/sa/audit',
      env,
    }) as string,
  };
}
