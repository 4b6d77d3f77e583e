import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestIssuer, type TestIssuer } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, sh, tempDir, waitForHttp } from './support/cli.js';
import {
  BUILDAH_STORE,
  buildah,
  hasImageTools,
  type StandIns,
  standInImages,
} from './support/standin.js';

/*
 * A real image build of a generated service: buildah (chroot isolation, vfs storage) builds the
 * generated Dockerfile against local stand-ins of the node and distroless base images, then the
 * image is checked and run. Run alone with `pnpm test:image`. Under CI a missing buildah fails.
 */
const tools = hasImageTools();
if (!tools && process.env.CI) {
  throw new Error(
    'buildah and debootstrap are required under CI: apt-get install buildah debootstrap',
  );
}
if (!tools) console.warn('\n*** SKIPPED: the image build test needs buildah and debootstrap ***\n');

describe.skipIf(!tools)('the generated image (buildah)', () => {
  let work: string;
  let service: string;
  let standIns: StandIns;
  let image: string;
  let container: string;
  let mountPoint: string;
  let issuer: TestIssuer | undefined;
  let jwks: TlsJwks | undefined;
  let config: {
    User?: string;
    Cmd?: string[];
    Entrypoint?: string[] | null;
    Env?: string[];
    Healthcheck?: { Test?: string[] };
  };

  beforeAll(async () => {
    work = tempDir('image');
    const created = await runCli(['svc', '--local', REPO, '--yes'], work);
    expect(created.status, created.stderr).toBe(0);
    service = join(work, 'svc');
    dropUnresolvableOptionals(join(service, 'package-lock.json'));
    standIns = standInImages();
    image = `localhost/bulwark-generated-service:${process.pid}`;
    buildah(
      [
        'bud',
        '--isolation',
        'chroot',
        '--format',
        'docker',
        '--build-arg',
        `NODE_IMAGE=${standIns.node}`,
        '--build-arg',
        `RUNTIME_IMAGE=${standIns.runtime}`,
        '-t',
        image,
        '.',
      ],
      service,
    );
    // buildah 1.28 has no `json` template function: read the plain JSON of `inspect`.
    const inspected = JSON.parse(buildah(['inspect', '--type', 'image', image])) as {
      Docker: { config: typeof config };
    };
    config = inspected.Docker.config;
    container = buildah(['from', '--pull-never', image]);
    mountPoint = buildah(['mount', container]);
  });

  afterAll(async () => {
    await jwks?.close();
    await issuer?.close();
    if (container) {
      try {
        buildah(['umount', container]);
        buildah(['rm', container]);
      } catch {}
    }
    if (image) {
      try {
        buildah(['rmi', image]);
      } catch {}
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs as a numeric non-root user of at least 10000', () => {
    const [uid, gid] = (config.User ?? '').split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThanOrEqual(10_000);
    expect(gid).toMatch(/^\d+$/);
  });

  it('runs node directly in exec form, with NODE_ENV=production and a HEALTHCHECK', () => {
    expect(config.Cmd).toEqual(['node', '--import', '@bulwark/tracing/register', 'dist/main.js']);
    expect(config.Entrypoint ?? []).toEqual([]);
    expect(config.Env).toContain('NODE_ENV=production');
    expect(config.Healthcheck?.Test).toEqual([
      'CMD',
      'node',
      'dist/healthcheck.js',
      '/health/live',
    ]);
  });

  it('holds no package manager, no TypeScript sources and no dev dependencies', () => {
    for (const path of [
      'usr/local/bin/npm',
      'usr/local/lib/node_modules/npm',
      'usr/bin/apt-get',
      'app/src',
    ]) {
      expect(existsSync(join(mountPoint, path)), path).toBe(false);
    }
    const app = join(mountPoint, 'app');
    expect(readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(tsSources(join(app, 'dist'))).toEqual([]);
    for (const dev of [
      'typescript',
      'vitest',
      '@swc/core',
      '@biomejs/biome',
      'unplugin-swc',
      '@nestjs/testing',
      '@bulwark/testing',
    ]) {
      expect(existsSync(join(app, 'node_modules', dev, 'package.json')), dev).toBe(false);
    }
    expect(existsSync(join(app, 'node_modules', '@bulwark', 'core', 'package.json'))).toBe(true);
    // The files belong to root: the service user can read them but not change them.
    expect(statSync(join(app, 'dist', 'main.js')).uid).toBe(0);
  });

  it('starts in production as the numeric user: ready once the JWKS loads over TLS, HEALTHCHECK passes, tokens accepted', async () => {
    // Production demands an https JWKS: a loopback TLS front for the test issuer, its
    // self-signed certificate trusted inside the container through NODE_EXTRA_CA_CERTS.
    // (chroot isolation shares the host's network, so 127.0.0.1 is the same on both sides.)
    const trusted = await createTestIssuer();
    issuer = trusted;
    const tls = await startTlsJwks(trusted, work);
    jwks = tls;
    writeFileSync(join(mountPoint, 'etc', 'bulwark-test-ca.pem'), tls.certificate, {
      mode: 0o644,
    });
    const port = await freePort();
    const metricsPort = await freePort();
    const run = (args: string[]): ChildProcess =>
      spawn(
        'buildah',
        [
          ...BUILDAH_STORE,
          'run',
          '--isolation',
          'chroot',
          '--user',
          config.User as string,
          ...[
            `PORT=${port}`,
            'HOST=127.0.0.1',
            `METRICS_PORT=${metricsPort}`,
            `AUTH_ISSUER=${trusted.issuer}`,
            `AUTH_AUDIENCE=${trusted.audience}`,
            `AUTH_JWKS_URL=${tls.url}`,
            'NODE_EXTRA_CA_CERTS=/etc/bulwark-test-ca.pem',
            'OTEL_SERVICE_NAME=generated-image',
          ].flatMap((pair) => ['--env', pair]),
          container,
          '--',
          ...args,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
    // Exactly the image's command: node with the tracing preload, NODE_ENV=production from ENV.
    const server = run(config.Cmd as string[]);
    let log = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      const live = await waitForHttp(`${url}/health/live`);
      expect(live.status, log).toBe(200);
      let ready = await fetch(`${url}/health/ready`);
      for (let i = 0; i < 75 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ready = await fetch(`${url}/health/ready`);
      }
      expect(ready.status, log).toBe(200);
      expect(tls.hits).toBeGreaterThan(0);
      const healthcheck = run(config.Healthcheck?.Test?.slice(1) ?? []);
      const status = await new Promise<number | null>((r) => healthcheck.on('close', r));
      expect(status).toBe(0);
      expect(log).toContain(`listening on http://127.0.0.1:${port}`);

      const token = trusted.mint({ claims: { sub: 'alice', scope: 'notes:read notes:write' } });
      const notes = await fetch(`${url}/v1/notes`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(notes.status, log).toBe(200);
      expect((await fetch(`${url}/v1/notes`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
      expect(log).not.toMatch(/"level":"(error|fatal)"/);
    } finally {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
      await new Promise((r) => server.on('close', r));
    }
  });
});

/** An https endpoint on loopback serving the test issuer's JWKS, with a fresh self-signed cert. */
interface TlsJwks {
  url: string;
  certificate: string;
  hits: number;
  close(): Promise<void>;
}

async function startTlsJwks(issuer: TestIssuer, dir: string): Promise<TlsJwks> {
  const key = join(dir, 'jwks-key.pem');
  const cert = join(dir, 'jwks-cert.pem');
  sh(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    dir,
  );
  const state = { hits: 0 };
  const server = createHttpsServer(
    { key: readFileSync(key), cert: readFileSync(cert) },
    (_req, res) => {
      state.hits += 1;
      fetch(issuer.jwksUrl)
        .then(async (upstream) => {
          res.writeHead(upstream.status, { 'content-type': 'application/json' });
          res.end(await upstream.text());
        })
        .catch(() => res.writeHead(502).end());
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}${new URL(issuer.jwksUrl).pathname}`,
    certificate: readFileSync(cert, 'utf8'),
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * The npm mirror of this machine has no packages for other platforms, so `npm install` leaves
 * their optional entries (biome's and swc's per-platform binaries) out of the lockfile, and
 * `npm ci` then refuses it. Against the public registry the lockfile is complete and this is a
 * no-op: it only drops optional references that have no entry in the lockfile.
 */
function dropUnresolvableOptionals(file: string): void {
  const lock = JSON.parse(readFileSync(file, 'utf8')) as {
    packages: Record<string, { optionalDependencies?: Record<string, string> }>;
  };
  const present = new Set(
    Object.keys(lock.packages).map((key) => key.replace(/^.*node_modules\//, '')),
  );
  for (const entry of Object.values(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!present.has(name)) delete entry.optionalDependencies?.[name];
    }
  }
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}

function tsSources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|mts|cts)$/.test(entry.name) && !/\.d\.[mc]?ts$/.test(entry.name)) {
      found.push(join(entry.parentPath, entry.name));
    }
  }
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
