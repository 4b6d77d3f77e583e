import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import {
  createTestCa,
  createTestIssuer,
  type IssuedCertificate,
  type TestCa,
  type TestIssuer,
} from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSecrets, protectRedis, serviceEnv } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const CLIENT_SECRET = 'notes-client-secret-for-the-e2e-test';

interface Instance {
  readonly url: string;
  readonly output: string[];
  readonly child: ChildProcess;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** One HTTPS call that trusts the test CA, with a client certificate when given. */
function call(
  ca: TestCa,
  url: string,
  options: {
    method?: string;
    token?: string;
    body?: unknown;
    cert?: IssuedCertificate;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: ca.certificate,
        ...(options.cert ? { cert: options.cert.cert, key: options.cert.key } : {}),
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function start(
  ca: TestCa,
  entry: string,
  env: Record<string, string>,
  extraArgs: string[] = [],
): Promise<Instance> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [...extraArgs, entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const url = `https://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${entry} exited ${child.exitCode}:\n${output.join('')}`);
    }
    const status = await call(ca, `${url}/health/ready`).then(
      (answer) => answer.status,
      () => 0,
    );
    if (status === 200) return { url, output, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${entry} never became ready:\n${output.join('')}`);
}

/** Waits, bounded, until the instance's output holds `text` (the caller then asserts it). */
async function outputContains(instance: Instance | undefined, text: string): Promise<void> {
  for (let i = 0; i < 100 && !instance?.output.join('').includes(text); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => instance.child.kill('SIGKILL'), 10_000);
    instance.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    instance.child.kill('SIGTERM');
  });
}

describe.skipIf(!hasRedis())(
  'notes calling the audit service over mTLS with token exchange',
  () => {
    let redis: RedisServer;
    let issuer: TestIssuer;
    let ca: TestCa;
    let dir: string;
    let notesCert: IssuedCertificate;
    let billingCert: IssuedCertificate;
    let audit: Instance | undefined;
    let notes: Instance | undefined;
    let impostorNotes: Instance | undefined;
    let notesEnv: Record<string, string>;

    beforeAll(async () => {
      if (!existsSync(join(root, 'dist/audit/main.js'))) {
        spawnSync(
          process.execPath,
          [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
          { cwd: root },
        );
      }
      [redis, issuer] = await Promise.all([startRedis(), createTestIssuer()]);
      ca = createTestCa();
      // One workload certificate per service, as a SPIFFE X.509-SVID: it serves and it calls.
      notesCert = ca.issueServer({
        spiffeId: ca.spiffeId('notes', 'notes'),
        extendedKeyUsage: ['serverAuth', 'clientAuth'],
      });
      const auditCert = ca.issueServer({ spiffeId: ca.spiffeId('audit', 'audit') });
      billingCert = ca.issueClient({ spiffeId: ca.spiffeId('billing', 'billing') });
      issuer.registerClient({ clientId: 'notes', secret: CLIENT_SECRET });
      dir = mkdtempSync(join(tmpdir(), 'bulwark-notes-client-'));
      writeFileSync(join(dir, 'client-secret'), CLIENT_SECRET, { mode: 0o600 });

      audit = await start(ca, 'dist/audit/main.js', {
        NODE_ENV: 'test',
        HTTP_ADAPTER: 'express',
        AUTH_ISSUER: issuer.issuer,
        AUTH_JWKS_URL: issuer.jwksUrl,
        TLS_CERT_FILE: auditCert.certFile,
        TLS_KEY_FILE: auditCert.keyFile,
        TLS_CLIENT_CA_FILE: ca.certificateFile,
      });
      const redisUrl = await protectRedis(redis.port, 'audit-e2e-password');
      notesEnv = serviceEnv(issuer, mountSecrets(redisUrl), {
        TLS_CERT_FILE: notesCert.certFile,
        TLS_KEY_FILE: notesCert.keyFile,
        TLS_CA_FILE: ca.certificateFile,
        AUTH_TOKEN_URL: issuer.tokenUrl,
        AUTH_CLIENT_ID: 'notes',
        AUTH_CLIENT_SECRET_FILE: join(dir, 'client-secret'),
        AUDIT_URL: audit.url,
      });
      const args = ['--import', '@bulwark/tracing/register'];
      [notes, impostorNotes] = await Promise.all([
        start(ca, 'dist/main.js', notesEnv, args),
        // The same service, told to expect another identity at the audit URL.
        start(
          ca,
          'dist/main.js',
          { ...notesEnv, AUDIT_PEER: ca.spiffeId('audit', 'someone-else') },
          args,
        ),
      ]);
    }, 90_000);
    afterAll(async () => {
      await Promise.all([stop(notes), stop(impostorNotes), stop(audit)]);
      await Promise.all([issuer?.close(), redis?.stop()]);
      ca?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const alice = () => issuer.mint({ claims: { sub: 'alice', scope: 'notes:read notes:write' } });

    it('records a created note at the audit service as alice, acted for by notes, proven by its certificate', async () => {
      issuer.resetCounters();
      const token = alice();
      const created = await call(ca, `${notes?.url}/v1/notes`, {
        method: 'POST',
        token,
        body: { title: 'plan', body: 'audited' },
      });
      expect(created.status).toBe(201);
      const noteId = (created.body as { id: string }).id;

      const history = await call(ca, `${notes?.url}/v1/notes/${noteId}/history`, { token });
      expect(history.status).toBe(200);
      expect(history.body).toEqual([
        expect.objectContaining({
          type: 'note.created',
          noteId,
          subject: 'alice',
          actor: 'notes',
          peer: ca.spiffeId('notes', 'notes'),
        }),
      ]);
      const exchanges = issuer.tokenRequests.filter((r) => r.grantType === EXCHANGE);
      expect(exchanges.length).toBeGreaterThanOrEqual(1);
      expect(exchanges[0]).toMatchObject({
        authMethod: 'client_secret_basic',
        clientId: 'notes',
        status: 200,
        parameters: { subject_token: token, audience: 'audit-api', scope: 'audit:events' },
      });
    });

    it('lets the audit service refuse the user token, a caller without a certificate and another service', async () => {
      const auditToken = issuer.mint({
        claims: { sub: 'alice', aud: 'audit-api', scope: 'audit:events', act: { sub: 'notes' } },
      });
      const events = `${audit?.url}/v1/events`;
      // The user's own token is for notes-api, not for the audit service.
      expect((await call(ca, events, { token: alice(), cert: notesCert })).status).toBe(401);
      // No client certificate: no service identity.
      expect((await call(ca, events, { token: auditToken })).status).toBe(401);
      // A certificate of the same CA, but not of an allowed peer.
      expect((await call(ca, events, { token: auditToken, cert: billingCert })).status).toBe(403);
      expect((await call(ca, events, { token: auditToken, cert: notesCert })).status).toBe(200);
    });

    it('refuses to call an audit service whose certificate is not the expected peer, and keeps no note', async () => {
      const token = alice();
      const before = await call(ca, `${audit?.url}/v1/events`, {
        token: issuer.mint({ claims: { sub: 'alice', aud: 'audit-api', scope: 'audit:events' } }),
        cert: notesCert,
      });
      const created = await call(ca, `${impostorNotes?.url}/v1/notes`, {
        method: 'POST',
        token,
        body: { title: 'plan', body: 'not audited' },
      });
      expect(created.status).toBe(502);
      // The log line comes through the child's stdout, which may arrive after the HTTP answer.
      await outputContains(impostorNotes, '"reason":"peer_mismatch"');
      expect(impostorNotes?.output.join('')).toContain('"reason":"peer_mismatch"');
      const listed = await call(ca, `${impostorNotes?.url}/v1/notes`, { token });
      expect(listed.body).toEqual([]);
      const after = await call(ca, `${audit?.url}/v1/events`, {
        token: issuer.mint({ claims: { sub: 'alice', aud: 'audit-api', scope: 'audit:events' } }),
        cert: notesCert,
      });
      expect(after.body).toEqual(before.body);
    });
  },
);
