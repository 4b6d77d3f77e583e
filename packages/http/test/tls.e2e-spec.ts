import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connect as connectTls,
  createServer as createTlsServer,
  type SecureVersion,
  type TLSSocket,
  type Server as TlsServer,
} from 'node:tls';
import { BulwarkConfigError } from '@bulwark/core';
import { type SecurityEvent, subscribeSecurityEvents } from '@bulwark/core/events';
import { READINESS_INDICATOR, type ReadinessCheck } from '@bulwark/core/lifecycle';
import { detectLeaks } from '@bulwark/core/testing';
import { tlsCertificates, tlsReloadFailures } from '@bulwark/core/tls';
import { ADAPTERS, tlsGet } from '@bulwark/test-harness';
import { createTestCa, type IssuedCertificate, type TestCa } from '@bulwark/testing';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySecurity, createSecureApp, HttpError, type TlsOptions } from '../src/index.js';
import { PeerModule } from './tls-fixture.js';

const ca = createTestCa();
const otherCa = createTestCa();
const serverCert = ca.issueServer();
const orders = ca.issueClient({ spiffeId: ca.spiffeId('orders', 'orders'), dnsNames: ['orders'] });
const expired = ca.issueClient({ days: 0 });
const stranger = otherCa.issueClient({ spiffeId: otherCa.spiffeId('orders', 'orders') });
const dir = mkdtempSync(join(tmpdir(), 'bulwark-http-tls-'));

const events: SecurityEvent[] = [];
const unsubscribe = subscribeSecurityEvents((event) => events.push(event));

afterAll(() => {
  unsubscribe();
  ca.close();
  otherCa.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  contentType: string | undefined;
  /** SHA-256 of the certificate the server presented, colon-separated hex. */
  serverFingerprint: string;
}

/** One request over a new TLS connection (no agent: every call is a new handshake). */
function get(
  port: number,
  path: string,
  client?: Pick<IssuedCertificate, 'cert' | 'key'>,
  agent: Agent | false = false,
): Promise<Answer> {
  return tlsGet(port, path, { ca: ca.certificate, client, agent }).then((answer) => ({
    status: answer.status,
    body: JSON.parse(answer.text) as Record<string, unknown>,
    contentType: answer.headers['content-type'] as string | undefined,
    serverFingerprint: answer.serverFingerprint,
  }));
}

function fingerprint(issued: IssuedCertificate): string {
  return (issued.fingerprintSha256.toUpperCase().match(/../g) as string[]).join(':');
}

/**
 * Replaces a file's content in one step (a new file renamed over it), as cert-manager and the
 * kubelet do, so a reload never reads it half written.
 */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Polls `probe` until it holds; the issue bounds rotation at 10 s. */
async function eventually(probe: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Copies of the CA's files the test can rewrite, as cert-manager would. */
function materialFiles(name: string) {
  const files = {
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    clientCaFile: join(dir, `${name}-ca.crt`),
  };
  copyFileSync(serverCert.certFile, files.certFile);
  copyFileSync(serverCert.keyFile, files.keyFile);
  copyFileSync(ca.certificateFile, files.clientCaFile);
  return files;
}

async function start(
  adapter: (typeof ADAPTERS)[number],
  tls: TlsOptions,
  logger: LoggerService | false = false,
): Promise<{ app: INestApplication; port: number }> {
  const app = await createSecureApp(PeerModule, { adapter, logger, tls, env: {} });
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}

function readinessOf(app: INestApplication): ReadinessCheck {
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.providers.values()) {
      const instance = wrapper.instance as object | undefined;
      if (instance && Reflect.getMetadata(READINESS_INDICATOR, instance.constructor) === 'tls') {
        return instance as ReadinessCheck;
      }
    }
  }
  throw new Error('no tls readiness indicator');
}

/** A TLS server with this CA's server certificate that accepts any version and suite: the control. */
let permissive: TlsServer | undefined;
async function permissivePort(): Promise<number> {
  if (permissive === undefined) {
    const server = createTlsServer(
      {
        key: serverCert.key,
        cert: serverCert.cert,
        minVersion: 'TLSv1',
        ciphers: 'ALL:@SECLEVEL=0',
      },
      (socket) => socket.end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    permissive = server;
  }
  return (permissive.address() as { port: number }).port;
}
afterAll(
  () =>
    new Promise<void>((resolve) => (permissive ? permissive.close(() => resolve()) : resolve())),
);

/** A bare handshake with these client settings; resolves with the protocol negotiated. */
function handshake(
  port: number,
  settings: { maxVersion?: SecureVersion; minVersion?: SecureVersion; ciphers?: string },
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ca: ca.certificate, ...settings }, () => {
      const protocol = socket.getProtocol();
      socket.destroy();
      resolve(protocol);
    });
    socket.on('error', reject);
  });
}

function lastEvent(): SecurityEvent | undefined {
  return events[events.length - 1];
}

describe.each(ADAPTERS)('mutual TLS on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await start(adapter, materialFiles(`${adapter}-mtls`)));
  });
  afterAll(() => app.close());

  it('serves HTTPS and attaches the peer of a valid client certificate', async () => {
    const answer = await get(port, '/whoami', orders);
    expect(answer.status).toBe(200);
    expect(answer.serverFingerprint).toBe(fingerprint(serverCert));
    expect(answer.body.peer).toEqual({
      id: 'spiffe://cluster.local/ns/orders/sa/orders',
      spiffeId: 'spiffe://cluster.local/ns/orders/sa/orders',
      dnsNames: ['orders'],
      subject: 'CN=client',
      fingerprintSha256: orders.fingerprintSha256,
      source: 'tls',
    });
  });

  it.each([
    ['an expired certificate', () => expired, 'client_certificate_invalid', 'CERT_HAS_EXPIRED'],
    [
      'a certificate from another CA',
      () => stranger,
      'client_certificate_invalid',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ],
    ['no certificate', () => undefined, 'client_certificate_missing', undefined],
  ])(
    'answers 401 with a problem and a security event to %s',
    async (_name, client, reason, code) => {
      const before = events.length;
      const answer = await get(port, '/whoami', client());
      expect(answer.status).toBe(401);
      expect(answer.contentType).toBe('application/problem+json');
      expect(answer.body).toMatchObject({
        type: 'urn:bulwark:problem:client-certificate-required',
        title: 'Client certificate required',
        status: 401,
        instance: '/whoami',
      });
      expect(detectLeaks(JSON.stringify(answer.body))).toEqual([]);
      expect(events.length).toBe(before + 1);
      expect(lastEvent()).toMatchObject({
        kind: 'authentication.failed',
        reason,
        clientAddress: '127.0.0.1',
        ...(code === undefined ? {} : { details: { code } }),
      });
    },
  );

  it('keeps the probes reachable without a certificate', async () => {
    const answer = await get(port, '/health/live');
    expect([answer.status, answer.body]).toEqual([200, { status: 'ok' }]);
  });

  it('exempts the probe paths exactly: a parameterized route under /health/ still needs a certificate', async () => {
    expect((await get(port, '/health/live?verbose=1')).status).toBe(200);
    expect((await get(port, '/health/orders')).status).toBe(401);
    expect((await get(port, '/health/orders', orders)).status).toBe(200);
  });

  it('refuses TLS 1.1 in the handshake with a protocol_version alert', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all (OpenSSL 3 refuses it on its own
    // otherwise), so the refusal below is the server's.
    const legacy = {
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    } as const;
    expect(await handshake(await permissivePort(), legacy)).toBe('TLSv1.1');
    await expect(handshake(port, legacy)).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    });
  });

  it('refuses TLS 1.2 suites outside the modern profile, and accepts ECDHE with an AEAD', async () => {
    for (const weak of [
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES128-SHA256',
      'ECDHE-ECDSA-AES256-SHA384',
    ]) {
      const offer = { maxVersion: 'TLSv1.2', ciphers: `${weak}:@SECLEVEL=0` } as const;
      expect(await handshake(await permissivePort(), offer)).toBe('TLSv1.2');
      await expect(handshake(port, offer), weak).rejects.toMatchObject({
        code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      });
    }
    expect(
      await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }),
    ).toBe('TLSv1.2');
  });

  it('negotiates TLS 1.3 when the client offers it', async () => {
    const protocol = await new Promise<string | null>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/health/live', ca: ca.certificate, agent: false },
        (res) => {
          res.resume();
          resolve((res.socket as TLSSocket).getProtocol());
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(protocol).toBe('TLSv1.3');
  });

  it('reports the certificate expiry for the metric, and is ready while it is valid', async () => {
    expect(tlsCertificates()).toContainEqual({
      certificate: 'server',
      notAfter: new Date(
        new (await import('node:crypto')).X509Certificate(serverCert.cert).validTo,
      ),
    });
    expect(await readinessOf(app).readiness()).toEqual({
      ready: true,
      info: { clientCertificates: 'required' },
    });
  });
});

describe.each(ADAPTERS)('optional client certificates on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    ({ app, port } = await start(adapter, {
      ...materialFiles(`${adapter}-optional`),
      clientAuth: 'optional',
    }));
  });
  afterAll(() => app.close());

  it('lets a request without a certificate through without a peer', async () => {
    expect(await get(port, '/whoami')).toMatchObject({ status: 200, body: { peer: null } });
  });

  it('still refuses a certificate that does not verify', async () => {
    expect((await get(port, '/whoami', expired)).status).toBe(401);
  });

  it('attaches the peer of a valid one', async () => {
    const answer = await get(port, '/whoami', orders);
    expect((answer.body.peer as { id: string }).id).toBe(ca.spiffeId('orders', 'orders'));
  });
});

describe.each(ADAPTERS)('rotation on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  let files: ReturnType<typeof materialFiles>;
  let rotatingCa: TestCa;
  const errors: unknown[] = [];
  const logger: LoggerService = {
    log: () => undefined,
    warn: () => undefined,
    error: (message: unknown, ...rest: unknown[]) => {
      if (rest.includes('Tls')) errors.push(message);
    },
  };
  beforeAll(async () => {
    files = materialFiles(`${adapter}-rotation`);
    rotatingCa = createTestCa();
    ({ app, port } = await start(adapter, { ...files, reloadIntervalMs: 100 }, logger));
  });
  afterAll(async () => {
    await app.close();
    rotatingCa.close();
  });

  it('serves a rewritten server certificate to new handshakes; an established connection continues', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await get(port, '/whoami', orders, agent);
      expect(before.serverFingerprint).toBe(fingerprint(serverCert));
      const renewed = ca.issueServer();
      replaceFile(files.keyFile, renewed.key);
      replaceFile(files.certFile, renewed.cert);
      await eventually(
        async () => (await get(port, '/health/live')).serverFingerprint === fingerprint(renewed),
        'the renewed certificate in a new handshake',
      );
      const reused = await get(port, '/whoami', orders, agent);
      expect([reused.status, reused.serverFingerprint]).toEqual([200, fingerprint(serverCert)]);
    } finally {
      agent.destroy();
    }
  });

  it('verifies clients against a rewritten CA bundle in new handshakes', async () => {
    const newcomer = rotatingCa.issueClient({
      spiffeId: rotatingCa.spiffeId('billing', 'billing'),
    });
    expect((await get(port, '/whoami', newcomer)).status).toBe(401);
    replaceFile(files.clientCaFile, rotatingCa.certificate);
    await eventually(
      async () => (await get(port, '/whoami', newcomer)).status === 200,
      'a client of the new CA accepted',
    );
    expect((await get(port, '/whoami', orders)).status).toBe(401);
  });

  it('keeps the old material when a replacement does not parse or its key does not match', async () => {
    const inUse = (await get(port, '/health/live')).serverFingerprint;
    // Only this test's refusals: a pair swapped by an earlier test may have been seen half done.
    const seen = errors.length;
    const certFailures = tlsReloadFailures().get('certificate') ?? 0;
    replaceFile(
      files.certFile,
      '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n',
    );
    await eventually(
      () => (tlsReloadFailures().get('certificate') ?? 0) > certFailures,
      'the broken certificate counted',
    );
    expect((await get(port, '/health/live')).serverFingerprint).toBe(inUse);

    const keyFailures = tlsReloadFailures().get('key') ?? 0;
    replaceFile(files.certFile, ca.issueServer().cert);
    await eventually(
      () => (tlsReloadFailures().get('key') ?? 0) > keyFailures,
      'the mismatched key counted',
    );
    const still = await get(port, '/health/live');
    expect([still.status, still.serverFingerprint]).toEqual([200, inUse]);
    // Counted once per distinct broken content, not once per poll.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tlsReloadFailures().get('key')).toBe(keyFailures + 1);
    expect(errors.slice(seen)).toEqual([
      {
        msg: 'TLS material refused; the previous certificate and key stay in use',
        file: 'certificate',
        reason: 'tls.certFile: holds a certificate that does not parse',
      },
      {
        msg: 'TLS material refused; the previous certificate and key stay in use',
        file: 'key',
        reason: 'tls.keyFile: does not match the certificate in tls.certFile',
      },
    ]);
  });
  it('keeps verifying clients against the old CA bundle when its replacement does not parse', async () => {
    // A valid certificate and key again (the test before left a mismatched pair in place).
    const current = ca.issueServer();
    replaceFile(files.keyFile, current.key);
    replaceFile(files.certFile, current.cert);
    await eventually(
      async () => (await get(port, '/health/live')).serverFingerprint === fingerprint(current),
      'a valid pair in use again',
    );
    const caller = rotatingCa.issueClient({ spiffeId: rotatingCa.spiffeId('billing', 'billing') });
    expect((await get(port, '/whoami', caller)).status).toBe(200);
    const failures = tlsReloadFailures().get('client_ca') ?? 0;
    replaceFile(files.clientCaFile, 'half a bundle\n-----BEGIN CERTIFICATE-----\n');
    await eventually(
      () => (tlsReloadFailures().get('client_ca') ?? 0) > failures,
      'the broken CA bundle counted',
    );
    expect((await get(port, '/whoami', caller)).status).toBe(200);
    expect((await get(port, '/whoami', orders)).status).toBe(401);
    expect(errors.at(-1)).toMatchObject({ file: 'client_ca' });
  });
});

describe.each(ADAPTERS)('a Kubernetes secret volume on %s', (adapter) => {
  it('follows the symlink swap of ..data to a new directory', async () => {
    // The kubelet's atomic writer: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/; an update
    // writes a new directory and renames a new ..data symlink over the old one.
    const volume = join(dir, `${adapter}-volume`);
    const first = join(volume, '..2026_01');
    mkdirSync(first, { recursive: true });
    copyFileSync(serverCert.certFile, join(first, 'tls.crt'));
    copyFileSync(serverCert.keyFile, join(first, 'tls.key'));
    symlinkSync('..2026_01', join(volume, '..data'));
    symlinkSync('..data/tls.crt', join(volume, 'tls.crt'));
    symlinkSync('..data/tls.key', join(volume, 'tls.key'));
    const { app, port } = await start(adapter, {
      certFile: join(volume, 'tls.crt'),
      keyFile: join(volume, 'tls.key'),
      reloadIntervalMs: 100,
    });
    try {
      expect((await get(port, '/health/live')).serverFingerprint).toBe(fingerprint(serverCert));
      const renewed = ca.issueServer();
      const second = join(volume, '..2026_02');
      mkdirSync(second);
      writeFileSync(join(second, 'tls.crt'), renewed.cert);
      writeFileSync(join(second, 'tls.key'), renewed.key);
      symlinkSync('..2026_02', join(volume, '..data_tmp'));
      renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
      await eventually(
        async () => (await get(port, '/health/live')).serverFingerprint === fingerprint(renewed),
        'the certificate behind the swapped symlink in a new handshake',
      );
    } finally {
      await app.close();
    }
  });
});

describe.each(ADAPTERS)('an expired server certificate on %s', (adapter) => {
  it('starts, and readiness is down', async () => {
    const old = ca.issueServer({ days: 0 });
    const { app } = await start(adapter, { certFile: old.certFile, keyFile: old.keyFile });
    try {
      const result = await readinessOf(app).readiness();
      expect(result.ready).toBe(false);
      expect(result.detail).toMatch(/^the server certificate expired at \d{4}-/);
    } finally {
      await app.close();
    }
    expect(tlsCertificates().some((status) => status.notAfter.getTime() < Date.now())).toBe(false);
  });
});

describe.each(ADAPTERS)('the start-up log on %s', (adapter) => {
  const capture = () => {
    const lines: Array<{ context: unknown; message: unknown }> = [];
    const push = (message: unknown, context?: unknown) => {
      lines.push({ message, context });
    };
    return { lines, logger: { log: push, error: push, warn: push, debug: push, verbose: push } };
  };
  const modeOf = (lines: Array<{ context: unknown; message: unknown }>) =>
    lines
      .filter((line) => line.context === 'Tls')
      .map((line) => (line.message as { mode?: string; clientAuth?: string }) ?? {})
      .map((message) => [message.mode, message.clientAuth]);

  it.each([
    ['mtls', { tls: { ...materialFiles(`${adapter}-log`) } }, ['mtls', 'required']],
    [
      'https',
      { tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile } },
      ['https', 'off'],
    ],
    ['http', { tls: false as const }, ['http', undefined]],
  ])('says the listener serves %s', async (_mode, options, expected) => {
    const { lines, logger } = capture();
    const app = await createSecureApp(PeerModule, { adapter, logger, env: {}, ...options });
    try {
      await app.listen(0, '127.0.0.1');
      expect(modeOf(lines)).toEqual([expected]);
    } finally {
      await app.close();
    }
  });
});

describe('start-up refusals', () => {
  it.each([
    [
      'a missing certificate file',
      { TLS_CERT_FILE: join(dir, 'nope.crt'), TLS_KEY_FILE: serverCert.keyFile },
      `TLS_CERT_FILE: cannot read "${join(dir, 'nope.crt')}" (ENOENT)`,
    ],
    [
      'a key of another certificate',
      { TLS_CERT_FILE: serverCert.certFile, TLS_KEY_FILE: orders.keyFile },
      'TLS_KEY_FILE: does not match the certificate in TLS_CERT_FILE',
    ],
    [
      'a key file holding no private key',
      { TLS_CERT_FILE: serverCert.certFile, TLS_KEY_FILE: serverCert.certFile },
      'TLS_KEY_FILE: holds no PEM private key that parses',
    ],
    [
      'a CA file without a certificate',
      {
        TLS_CERT_FILE: serverCert.certFile,
        TLS_KEY_FILE: serverCert.keyFile,
        TLS_CLIENT_CA_FILE: serverCert.keyFile,
      },
      'TLS_CLIENT_CA_FILE: holds no PEM certificate',
    ],
  ])('refuses %s, naming the variable', async (_name, env, message) => {
    await expect(createSecureApp(PeerModule, { logger: false, env })).rejects.toThrow(
      new BulwarkConfigError(
        message.split(':')[0] as string,
        message.slice(message.indexOf(':') + 2),
      ),
    );
  });

  it('refuses TLS options for an app whose server is plain HTTP', async () => {
    const app = await NestFactory.create(PeerModule, new ExpressAdapter(), { logger: false });
    try {
      expect(() =>
        applySecurity(app, {
          env: {},
          tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile },
        }),
      ).toThrow(
        new HttpError(
          'HTTP_TLS_UNAVAILABLE',
          "tls.certFile is set but this app's server is plain HTTP: create the app with createSecureApp, which serves TLS, or unset it",
        ),
      );
    } finally {
      await app.close();
    }
  });
});
