import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADAPTERS, createTestCa } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/start-service.mjs', import.meta.url));
const BOUND_MS = 30_000;
const JWKS = {
  AUTH_ISSUER: 'https://idp.example.test/',
  AUTH_AUDIENCE: 'notes-api',
  AUTH_JWKS_URL: 'https://idp.example.test/jwks.json',
};

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the fixture as the generated service's image does (`node --import
 * @bulwark/tracing/register`), with only `env` and what node needs to run.
 */
function run(adapter: string, env: Record<string, string>, mode = ''): Promise<Outcome> {
  const child = spawn(
    process.execPath,
    ['--import', '@bulwark/tracing/register', FIXTURE, adapter, mode],
    {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `jobs` two at a time: the machine is shared. */
async function inPairs<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await (jobs[index] as () => Promise<T>)();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/**
 * Each documented variable of the generated service (templates/service/.env.example and README,
 * DESIGN.md's environment table) with a bad value, the other variables it needs to be read,
 * and what the message must say about the allowed values.
 */
const BUSY_PORT = '<a port in use>';
const FOLDER = mkdtempSync(join(tmpdir(), 'bulwark-env-'));
const BAD_REDIS_FILE = join(FOLDER, 'redis-url');
const NOT_PEM_FILE = join(FOLDER, 'not-pem');
writeFileSync(NOT_PEM_FILE, 'not a certificate or key\n', { mode: 0o600 });
// Real certificates, so that each TLS case fails on the one variable it is about.
const CA = createTestCa();
const SERVER = CA.issueServer();
const OTHER = CA.issueServer();
const TLS = { TLS_CERT_FILE: SERVER.certFile, TLS_KEY_FILE: SERVER.keyFile };
// A service that calls another (the README's "Calling other services"): its client's variables.
const SECRET_FILE = join(FOLDER, 'client-secret');
writeFileSync(SECRET_FILE, 'a-client-secret-for-the-tests\n', { mode: 0o600 });
const CLIENT = {
  AUTH_TOKEN_URL: 'https://idp.example.test/token',
  AUTH_CLIENT_ID: 'notes',
  AUTH_CLIENT_SECRET_FILE: SECRET_FILE,
};
const CLIENT_CASES: ReadonlyArray<
  [variable: string, env: Record<string, string>, allowed: RegExp]
> = [
  ['AUTH_TOKEN_URL', { ...CLIENT, AUTH_TOKEN_URL: 'idp/token' }, /absolute http\(s\) URL/],
  [
    'AUTH_TOKEN_URL',
    { ...CLIENT, AUTH_TOKEN_URL: 'http://idp.example.test/token' },
    /must be https \(http is accepted on loopback only\)/,
  ],
  ['AUTH_CLIENT_ID', { ...CLIENT, AUTH_CLIENT_ID: '' }, /is required \(option auth\.clientId\)/],
  [
    'AUTH_CLIENT_SECRET_FILE',
    { ...CLIENT, AUTH_CLIENT_SECRET_FILE: join(FOLDER, 'missing-secret') },
    /cannot read .*\(ENOENT\)/,
  ],
  [
    'AUTH_CLIENT_KEY_FILE',
    { ...CLIENT, AUTH_CLIENT_SECRET_FILE: '', AUTH_CLIENT_KEY_FILE: NOT_PEM_FILE },
    /is not a usable private key/,
  ],
  [
    'AUTH_CLIENT_KEY_FILE',
    { ...CLIENT, AUTH_CLIENT_KEY_FILE: SERVER.keyFile },
    /AUTH_CLIENT_SECRET_FILE are both set/,
  ],
  ['TLS_CA_FILE', { ...CLIENT, TLS_CA_FILE: join(FOLDER, 'missing-ca.crt') }, /ENOENT/],
];
const CASES: ReadonlyArray<[variable: string, env: Record<string, string>, allowed: RegExp]> = [
  ['PORT', { PORT: '70000' }, /from 0 to 65535/],
  ['PORT', { PORT: BUSY_PORT }, /in use.*free port from 0 to 65535/],
  ['HOST', { HOST: 'no-such-host.invalid' }, /an address of this machine, such as 0\.0\.0\.0/],
  ['NODE_ENV', { NODE_ENV: 'prod' }, /one of production, development, test/],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /one of fatal, error, warn, info, debug, trace, silent/],
  ['AUTH_ISSUER', { NODE_ENV: 'production', ...JWKS, AUTH_ISSUER: '' }, /required in production/],
  [
    'AUTH_AUDIENCE',
    { NODE_ENV: 'production', ...JWKS, AUTH_AUDIENCE: '' },
    /required in production/,
  ],
  [
    'AUTH_JWKS_URL',
    { NODE_ENV: 'production', ...JWKS, AUTH_JWKS_URL: 'http://idp.example.test/jwks.json' },
    /https/,
  ],
  ['AUTH_JWKS_URL', { ...JWKS, AUTH_JWKS_URL: 'jwks.json' }, /absolute URL/],
  ['AUTH_ALGORITHMS', { ...JWKS, AUTH_ALGORITHMS: 'ES256,none' }, /not a supported JWS/],
  ['AUTH_ALGORITHMS', { ...JWKS, AUTH_ALGORITHMS: 'HS256' }, /HS\* algorithms/],
  ['AUTH_CLOCK_TOLERANCE_SECONDS', { AUTH_CLOCK_TOLERANCE_SECONDS: '1000' }, /from 0 to 300/],
  ['AUTH_TOKEN_TYPES', { ...JWKS, AUTH_TOKEN_TYPES: ' , ' }, /non-empty/],
  ['AUTH_ALLOW_HTTP_JWKS', { AUTH_ALLOW_HTTP_JWKS: 'maybe' }, /true or false/],
  ['AUTH_JWKS_MAX_STALE_SECONDS', { AUTH_JWKS_MAX_STALE_SECONDS: '1' }, /from \d+ to \d+/],
  ['AUTH_DEV_ISSUER_DIR', { AUTH_DEV_ISSUER_DIR: '/etc/passwd' }, /must be a folder/],
  ['AUTH_DPOP', { AUTH_DPOP: 'sometimes' }, /off, allowed or required/],
  ['AUTH_DPOP_MAX_AGE_SECONDS', { AUTH_DPOP_MAX_AGE_SECONDS: '0' }, /from 1 to 3600/],
  ['AUTH_DPOP_NONCE', { AUTH_DPOP_NONCE: 'maybe' }, /true or false/],
  ['AUTH_DPOP_NONCE_KEY_FILE', { AUTH_DPOP_NONCE: 'true' }, /required with AUTH_DPOP_NONCE=true/],
  [
    'AUTH_DPOP_NONCE_KEY_FILE',
    { AUTH_DPOP_NONCE: 'true', AUTH_DPOP_NONCE_KEY_FILE: join(FOLDER, 'missing-nonce-key') },
    /cannot be read \(ENOENT\)/,
  ],
  ['RATE_LIMIT_MAX', { RATE_LIMIT_MAX: '1000000000' }, /from 1 to 60000000/],
  ['RATE_LIMIT_MAX', { RATE_LIMIT_MAX: 'many' }, /from 1 to \d+/],
  ['RATE_LIMIT_WINDOW_SECONDS', { RATE_LIMIT_WINDOW_SECONDS: '0' }, /from 1 to \d+/],
  ['RATE_LIMIT_REPLICAS', { RATE_LIMIT_REPLICAS: '0' }, /from 1 to 10000/],
  ['RATE_LIMIT_STORE_FAILURE', { RATE_LIMIT_STORE_FAILURE: 'maybe' }, /insurance, open, closed/],
  ['RATE_LIMIT_IPV6_PREFIX', { RATE_LIMIT_IPV6_PREFIX: '7' }, /from 16 to 128/],
  ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }, /redis:\/\/ or rediss:\/\//],
  ['REDIS_URL_FILE', { REDIS_URL_FILE: join(FOLDER, 'missing') }, /does not exist/],
  ['REDIS_URL_FILE', { REDIS_URL_FILE: BAD_REDIS_FILE }, /redis:\/\/ or rediss:\/\//],
  ['TRUST_PROXY', { TRUST_PROXY: 'proxy.internal' }, /IP address, a CIDR/],
  ['TLS_CERT_FILE', { TLS_CERT_FILE: SERVER.certFile }, /go together: set both for HTTPS/],
  ['TLS_KEY_FILE', { TLS_KEY_FILE: SERVER.keyFile }, /go together: set both for HTTPS/],
  [
    'TLS_CERT_FILE',
    { ...TLS, TLS_CERT_FILE: join(FOLDER, 'missing.crt') },
    /cannot read .*\(ENOENT\)/,
  ],
  ['TLS_CERT_FILE', { ...TLS, TLS_CERT_FILE: NOT_PEM_FILE }, /holds no PEM certificate/],
  ['TLS_KEY_FILE', { ...TLS, TLS_KEY_FILE: NOT_PEM_FILE }, /holds no PEM private key/],
  [
    'TLS_KEY_FILE',
    { ...TLS, TLS_KEY_FILE: OTHER.keyFile },
    /does not match the certificate in TLS_CERT_FILE/,
  ],
  [
    'TLS_CLIENT_CA_FILE',
    { TLS_CLIENT_CA_FILE: CA.certificateFile },
    /need TLS on the listener: set TLS_CERT_FILE and TLS_KEY_FILE/,
  ],
  ['TLS_CLIENT_CA_FILE', { ...TLS, TLS_CLIENT_CA_FILE: NOT_PEM_FILE }, /holds no PEM certificate/],
  [
    'TLS_CLIENT_AUTH',
    { ...TLS, TLS_CLIENT_CA_FILE: CA.certificateFile, TLS_CLIENT_AUTH: 'sometimes' },
    /"required" or "optional"/,
  ],
  ['TLS_CLIENT_AUTH', { ...TLS, TLS_CLIENT_AUTH: 'required' }, /set TLS_CLIENT_CA_FILE too/],
  [
    'PEER_IDENTITY_HEADER',
    { PEER_IDENTITY_HEADER: 'x-forwarded-client-cert' },
    /believed only from a trusted proxy: set TRUST_PROXY/,
  ],
  [
    'PEER_IDENTITY_HEADER',
    { TRUST_PROXY: '1', PEER_IDENTITY_HEADER: 'x-forwarded-client-cert' },
    /hop count \(1\), which believes any peer: an identity header needs the sidecar's addresses/,
  ],
  [
    'PEER_IDENTITY_HEADER',
    { TRUST_PROXY: 'loopback', PEER_IDENTITY_HEADER: 'x forwarded client cert' },
    /is not a header name/,
  ],
  ['CORS_ORIGINS', { CORS_ORIGINS: 'app.example.com' }, /scheme:\/\/host/],
  ['BODY_LIMIT_BYTES', { BODY_LIMIT_BYTES: '0' }, /from 1 to 1073741824/],
  ['METRICS_PORT', { METRICS_PORT: '70000' }, /from 0 to 65535/],
  ['METRICS_HOST', { METRICS_HOST: 'no-such-host.invalid' }, /an address of this machine/],
  ['SHUTDOWN_DELAY_SECONDS', { SHUTDOWN_DELAY_SECONDS: '-1' }, /from 0 to 3600/],
  ['SHUTDOWN_TIMEOUT_SECONDS', { SHUTDOWN_TIMEOUT_SECONDS: 'soon' }, /from [\d.]+ to \d+/],
  ['SECRETS_STRICT_PERMISSIONS', { SECRETS_STRICT_PERMISSIONS: 'maybe' }, /true or false/],
  ['OTEL_SDK_DISABLED', { OTEL_SDK_DISABLED: 'maybe' }, /true or false/],
  ['OTEL_TRACES_EXPORTER', { OTEL_TRACES_EXPORTER: 'jaeger' }, /otlp, console, zipkin, none/],
  [
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'json' },
    /http\/protobuf, http\/json, grpc/,
  ],
  [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' },
    /absolute http:\/\/ or https:\/\/ URL/,
  ],
  [
    'OTEL_BULWARK_RECORD_STACKS',
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BULWARK_RECORD_STACKS: 'maybe' },
    /true or false/,
  ],
  [
    'OTEL_PROPAGATE_INCOMING_BAGGAGE',
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_PROPAGATE_INCOMING_BAGGAGE: 'maybe' },
    /true or false/,
  ],
];

describe.each(ADAPTERS)('startService on %s, with one bad environment variable', (adapter) => {
  let busy: Server;
  let outcomes: Outcome[];
  let baseline: Outcome;
  let clientBaseline: Outcome;

  beforeAll(async () => {
    writeFileSync(BAD_REDIS_FILE, 'http://cache:6379\n', { mode: 0o600 });
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = String((busy.address() as AddressInfo).port);
    // Everything else valid: the service starts with these alone (the baseline below).
    const base = {
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      SHUTDOWN_DELAY_SECONDS: '0',
      OTEL_TRACES_EXPORTER: 'none',
      AUTH_DEV_ISSUER_DIR: join(FOLDER, `dev-issuer-${adapter}`),
    };
    const [first, withClient, ...rest] = await inPairs([
      () => run(adapter, base),
      () => run(adapter, { ...base, ...CLIENT }, 'client'),
      ...CASES.map(([, env]) => () => {
        const port = env.PORT === BUSY_PORT ? { PORT: busyPort } : {};
        return run(adapter, { ...base, ...env, ...port });
      }),
      ...CLIENT_CASES.map(
        ([, env]) =>
          () =>
            run(adapter, { ...base, ...env }, 'client'),
      ),
    ]);
    baseline = first as Outcome;
    clientBaseline = withClient as Outcome;
    outcomes = rest;
  }, 600_000);
  afterAll(async () => {
    await new Promise((resolve) => busy?.close(resolve));
  });

  it('starts with the baseline environment', () => {
    expect(baseline.stderr).toBe('');
    expect(baseline.code).toBe(0);
    expect(baseline.stdout).toMatch(/"listening":\d+/);
  });

  it('starts with a client registered and its variables set', () => {
    expect(clientBaseline.stderr).toBe('');
    expect(clientBaseline.code).toBe(0);
    expect(clientBaseline.stdout).toMatch(/"listening":\d+/);
  });

  it.each(
    [...CASES, ...CLIENT_CASES].map(([variable, env, allowed], index) => [
      variable,
      env[variable],
      allowed,
      index,
    ]),
  )(
    '%s=%j: one fatal JSON line names the variable and its allowed values',
    (variable, _value, allowed, index) => {
      const outcome = outcomes[index as number] as Outcome;
      expect(outcome.code).toBe(1);
      const lines = outcome.stderr.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(1);
      const fatal = JSON.parse(lines[0] as string) as { level: string; code: string; msg: string };
      expect(fatal.level).toBe('fatal');
      expect(fatal.msg).toContain(variable as string);
      expect(fatal.msg).toMatch(allowed as RegExp);
    },
  );
});

afterAll(() => {
  CA.close();
  rmSync(FOLDER, { recursive: true, force: true });
});
