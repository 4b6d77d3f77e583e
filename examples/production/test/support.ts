import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestIssuer } from '@bulwark/testing';
import { Redis } from 'ioredis';

/** Protects a test redis-server with a password, as production Redis is. */
export async function protectRedis(port: number, password: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  await client.config('SET', 'requirepass', password);
  client.disconnect();
  return `redis://:${password}@127.0.0.1:${port}`;
}

/** A directory standing for a Kubernetes secret volume, holding `redis-url`. */
export function mountSecrets(redisUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-secrets-'));
  writeFileSync(join(dir, 'redis-url'), `${redisUrl}\n`, { mode: 0o600 });
  return dir;
}

/** The environment of one instance. */
export function serviceEnv(
  issuer: TestIssuer,
  secretsDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    // NODE_ENV=production demands an https JWKS URL; the test issuer is plain http on loopback.
    NODE_ENV: 'test',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URL: issuer.jwksUrl,
    SECRETS_DIR: secretsDir,
    METRICS_PORT: '0',
    ...extra,
  };
}

/** Empties Redis between scenarios, so one run's counters never limit the next. */
export async function flushRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  await client.flushall();
  client.disconnect();
}
