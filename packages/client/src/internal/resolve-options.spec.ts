import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectConfigError } from '@bulwark/test-harness';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceClientOptions } from '../client-options.interface.js';
import { DEFAULTS, resolveClientOptions } from './resolve-options.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-client-options-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 'a-secret\n');
const emptyFile = join(dir, 'empty');
writeFileSync(emptyFile, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: ServiceClientOptions = { name: 'orders', baseUrl: 'https://orders.test/v1/', env: {} };
const credentials = {
  AUTH_TOKEN_URL: 'https://idp.test/token',
  AUTH_CLIENT_ID: 'notes',
  AUTH_CLIENT_SECRET_FILE: secretFile,
};

function fails(options: Partial<ServiceClientOptions>, setting: string, message: string) {
  expectConfigError(() => resolveClientOptions({ ...base, ...options }), {
    setting,
    message: `${setting}: ${message}`,
  });
}

describe('resolveClientOptions', () => {
  describe('when only name and baseUrl are given', () => {
    it('applies every default', () => {
      const resolved = resolveClientOptions(base);
      expect(resolved).toMatchObject({
        auth: { kind: 'none' },
        connectMs: DEFAULTS.connectMs,
        headersMs: 5000,
        totalMs: 10_000,
        retry: { attempts: 2, budgetRatio: 0.2, minRetries: 3, windowMs: 10_000 },
        breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
        followRedirects: false,
        maxResponseBytes: 1_048_576,
        dynamic: undefined,
        tls: { caFile: undefined, certFile: undefined, keyFile: undefined, reloadIntervalMs: 5000 },
      });
    });
  });

  describe('when client credentials come from the environment', () => {
    it('reads AUTH_TOKEN_URL, AUTH_CLIENT_ID and the secret file, and asks for the audience as resource', () => {
      const resolved = resolveClientOptions({
        ...base,
        audience: 'https://orders.test',
        auth: { kind: 'clientCredentials', scope: 'orders:read' },
        env: credentials,
      });
      expect(resolved.auth).toMatchObject({
        kind: 'clientCredentials',
        clientId: 'notes',
        secret: 'a-secret',
        scope: 'orders:read',
        resource: 'https://orders.test',
      });
    });

    it.each([
      [
        { AUTH_CLIENT_ID: 'notes', AUTH_CLIENT_SECRET_FILE: secretFile },
        'AUTH_TOKEN_URL',
        'is required, or AUTH_ISSUER for discovery (options auth.tokenUrl, auth.issuer). Set AUTH_TOKEN_URL.',
      ],
      [
        { ...credentials, AUTH_CLIENT_ID: '' },
        'AUTH_CLIENT_ID',
        'is required (option auth.clientId). Set AUTH_CLIENT_ID.',
      ],
      [
        { ...credentials, AUTH_CLIENT_SECRET_FILE: '' },
        'AUTH_CLIENT_KEY_FILE',
        'or AUTH_CLIENT_SECRET_FILE is required (options auth.keyFile, auth.secretFile). Set AUTH_CLIENT_KEY_FILE to a private key file.',
      ],
      [
        { ...credentials, AUTH_CLIENT_KEY_FILE: secretFile },
        'AUTH_CLIENT_KEY_FILE',
        'and AUTH_CLIENT_SECRET_FILE are both set (options auth.keyFile, auth.secretFile); set one.',
      ],
      [
        { ...credentials, AUTH_CLIENT_SECRET_FILE: join(dir, 'missing') },
        'AUTH_CLIENT_SECRET_FILE (option auth.secretFile)',
        `cannot read ${join(dir, 'missing')} (ENOENT).`,
      ],
      [
        { ...credentials, AUTH_CLIENT_SECRET_FILE: emptyFile },
        'AUTH_CLIENT_SECRET_FILE (option auth.secretFile)',
        `the file ${emptyFile} is empty.`,
      ],
      [
        { ...credentials, AUTH_TOKEN_URL: 'idp/token' },
        'AUTH_TOKEN_URL (option auth.tokenUrl)',
        'must be an absolute http(s) URL.',
      ],
      [
        { ...credentials, NODE_ENV: 'production', AUTH_TOKEN_URL: 'http://idp.test/token' },
        'AUTH_TOKEN_URL (option auth.tokenUrl)',
        'must be https in production (http is accepted on loopback only).',
      ],
      [
        { ...credentials, AUTH_TOKEN_URL: 'http://idp.test/token' },
        'AUTH_TOKEN_URL (option auth.tokenUrl)',
        'must be https (http is accepted on loopback only).',
      ],
      [
        {
          AUTH_ISSUER: 'http://idp.test',
          AUTH_CLIENT_ID: 'notes',
          AUTH_CLIENT_SECRET_FILE: secretFile,
        },
        'AUTH_ISSUER (option auth.issuer)',
        'must be https (http is accepted on loopback only).',
      ],
    ])('fails naming the variable and the option (%#)', (env, setting, message) => {
      fails(
        { audience: 'https://orders.test', auth: { kind: 'clientCredentials' }, env },
        setting,
        message,
      );
    });
  });

  describe('when TLS files come from the environment', () => {
    it('needs both TLS_CERT_FILE and TLS_KEY_FILE', () => {
      fails(
        { env: { TLS_CERT_FILE: secretFile } },
        'TLS_KEY_FILE (option tls.keyFile)',
        'is required when the other of TLS_CERT_FILE / TLS_KEY_FILE (tls.certFile / tls.keyFile) is set.',
      );
    });

    it('names TLS_CA_FILE when it cannot be read', () => {
      fails(
        { env: { TLS_CA_FILE: join(dir, 'nope.pem') } },
        'TLS_CA_FILE (option tls.caFile)',
        `cannot read ${join(dir, 'nope.pem')} (ENOENT).`,
      );
    });

    it('ignores them with tls.fromEnv false', () => {
      expect(
        resolveClientOptions({ ...base, tls: { fromEnv: false }, env: { TLS_CA_FILE: '/nope' } })
          .tls.caFile,
      ).toBeUndefined();
    });
  });

  describe('when options are out of range', () => {
    it.each([
      [{ name: 'has space' }, 'name', 'must be 1 to 63 letters, digits, ".", "_" or "-".'],
      [{ baseUrl: 'https://user:pw@orders.test' }, 'baseUrl', 'must not hold credentials.'],
      [
        { baseUrl: 'http://orders.test', env: { NODE_ENV: 'production' } },
        'baseUrl',
        'must be https in production (http is accepted on loopback only).',
      ],
      [{ auth: { kind: 'propagate' } }, 'audience', 'is required with auth kind "propagate".'],
      [{ retry: { attempts: 3 } }, 'retry.attempts', 'must be an integer from 0 to 2.'],
      [{ retry: { budgetRatio: 2 } }, 'retry.budgetRatio', 'must be a number from 0 to 1.'],
      [{ timeouts: { totalMs: 0 } }, 'timeouts.totalMs', 'must be an integer from 1 to 600000.'],
      // No way to get "no timeout": undici reads 0 as none, so 0 and Infinity are refused.
      [
        { timeouts: { connectMs: 0 } },
        'timeouts.connectMs',
        'must be an integer from 1 to 600000.',
      ],
      [
        { timeouts: { headersMs: 0 } },
        'timeouts.headersMs',
        'must be an integer from 1 to 600000.',
      ],
      [
        { timeouts: { totalMs: Number.POSITIVE_INFINITY } },
        'timeouts.totalMs',
        'must be an integer from 1 to 600000.',
      ],
      [
        { timeouts: { headersMs: Number.NaN } },
        'timeouts.headersMs',
        'must be an integer from 1 to 600000.',
      ],
      [
        { tls: { expectedPeer: 'spiffe://x/y' }, baseUrl: 'http://127.0.0.1:1' },
        'tls.expectedPeer',
        'needs an https baseUrl.',
      ],
      [
        { allowDynamicHosts: { allowNetworks: ['10.0.0.0/40'] } },
        'allowDynamicHosts.allowNetworks',
        '"10.0.0.0/40" is not an IPv4 or IPv6 CIDR.',
      ],
    ] as const)('fails naming the option (%#)', (options, setting, message) => {
      fails(options as Partial<ServiceClientOptions>, setting, message);
    });
  });
});
