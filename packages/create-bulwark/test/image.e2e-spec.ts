import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  createTestIssuer,
  hasPostgres,
  type PostgresServer,
  postgresBinDir,
  startPostgres,
  type TestIssuer,
} from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO, runCli, sh, tempDir, waitForHttp } from './support/cli.js';
import { canRunReadOnly, execInside, spawnReadOnly } from './support/read-only.js';
import {
  buildah,
  buildahStore,
  hasImageTools,
  type StandIns,
  standInImages,
} from './support/standin.js';
import { startTlsJwks, type TlsJwks } from './support/tls-jwks.js';

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
const readOnly = tools && canRunReadOnly();
if (tools && !readOnly && process.env.CI) {
  throw new Error('the read-only run needs root and util-linux (unshare, nsenter, mount) under CI');
}

// Production needs its database: a real PostgreSQL (TLS, the template's roles) on loopback.
const postgres = tools && hasPostgres();

/** Where the run's database files go inside the container, as the Secret would mount them. */
const DB_DIR = '/etc/bulwark-db';
const DB_PASSWORDS = {
  migrator: 'image-migrator-pw',
  app: 'image-app-pw',
  readonly: 'image-ro-pw',
};

describe.skipIf(!tools || !postgres)('the generated image (buildah)', () => {
  let work: string;
  let service: string;
  let standIns: StandIns;
  let image: string;
  let container: string;
  let mountPoint: string;
  let issuer: TestIssuer;
  let jwks: TlsJwks | undefined;
  let pg: PostgresServer | undefined;
  let config: {
    User?: string;
    Cmd?: string[];
    Entrypoint?: string[] | null;
    Env?: string[];
    WorkingDir?: string;
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
    // Production demands an https JWKS: a loopback TLS front for the test issuer, its
    // self-signed certificate trusted inside the container through NODE_EXTRA_CA_CERTS.
    // (chroot isolation shares the host's network, so 127.0.0.1 is the same on both sides.)
    issuer = await createTestIssuer();
    jwks = await startTlsJwks(issuer, work);
    writeFileSync(join(mountPoint, 'etc', 'bulwark-test-ca.pem'), jwks.certificate, {
      mode: 0o644,
    });
    // The database: the template's roles.sql through psql, and the Secret's files (the CA and
    // each role's password) inside the container, readable by the image's user only.
    pg = await startPostgres();
    sh(
      join(postgresBinDir() as string, 'psql'),
      [
        `host=127.0.0.1 port=${pg.port} dbname=postgres user=${pg.superuser} sslmode=verify-full sslrootcert=${pg.caFile}`,
        '-v',
        'ON_ERROR_STOP=1',
        '-v',
        `migrator_password=${DB_PASSWORDS.migrator}`,
        '-v',
        `app_password=${DB_PASSWORDS.app}`,
        '-v',
        `readonly_password=${DB_PASSWORDS.readonly}`,
        '-f',
        'deploy/sql/roles.sql',
      ],
      service,
      { PGPASSWORD: pg.superuserPassword },
    );
    const [uid, gid] = (config.User as string).split(':').map(Number);
    mkdirSync(join(mountPoint, DB_DIR), { recursive: true });
    const secrets: Record<string, string> = {
      'ca.crt': readFileSync(pg.caFile, 'utf8'),
      'migrator.pw': DB_PASSWORDS.migrator,
      'app.pw': DB_PASSWORDS.app,
    };
    for (const [name, content] of Object.entries(secrets)) {
      const path = join(mountPoint, DB_DIR, name);
      writeFileSync(path, content, { mode: 0o400 });
      chownSync(path, uid as number, gid as number);
    }
  });

  /** The database variables of a role, as the Deployment and the migration Job set them. */
  const databaseEnv = (role: 'app' | 'migrator'): string[] => [
    `DATABASE_URL=postgres://service_${role}@127.0.0.1:${pg?.port}/service?sslmode=verify-full`,
    `DATABASE_PASSWORD_FILE=${DB_DIR}/${role}.pw`,
    `DATABASE_CA_FILE=${DB_DIR}/ca.crt`,
  ];

  /** The run's own variables: loopback ports, the trusted issuer over TLS. */
  const runEnv = (port: number, metricsPort: number): string[] => [
    `PORT=${port}`,
    'HOST=127.0.0.1',
    `METRICS_PORT=${metricsPort}`,
    `AUTH_ISSUER=${issuer.issuer}`,
    `AUTH_AUDIENCE=${issuer.audience}`,
    `AUTH_JWKS_URL=${jwks?.url}`,
    'NODE_EXTRA_CA_CERTS=/etc/bulwark-test-ca.pem',
    'OTEL_SERVICE_NAME=generated-image',
    ...databaseEnv('app'),
  ];

  afterAll(async () => {
    await pg?.stop();
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
    expect(readdirSync(app).sort()).toEqual(['dist', 'migrations', 'node_modules', 'package.json']);
    expect(readdirSync(join(app, 'migrations'))).toEqual(['0001_create_notes.sql']);
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

  it("runs the migration Job's command in the image as the migrator, over verify-full TLS", () => {
    const job = parseYaml(
      readFileSync(join(service, 'deploy/k8s/base/migration-job.yaml'), 'utf8'),
    ) as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
    const command = job.spec.template.spec.containers[0]?.command as string[];
    const result = spawnSync(
      'buildah',
      [
        ...buildahStore(),
        'run',
        '--isolation',
        'chroot',
        '--user',
        config.User as string,
        ...databaseEnv('migrator').flatMap((pair) => ['--env', pair]),
        container,
        '--',
        ...command,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const output = `${result.stdout}${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toContain('applying 0001_create_notes.sql');
    expect(output).toContain('schema version 1');
    expect(output).toContain('TLS verify-full');
    expect(output).not.toContain(DB_PASSWORDS.migrator);
  });

  it('starts in production as the numeric user: ready once the JWKS loads over TLS, HEALTHCHECK passes, tokens accepted', async () => {
    const trusted = issuer;
    const tls = jwks as TlsJwks;
    const port = await freePort();
    const metricsPort = await freePort();
    const run = (args: string[]): ChildProcess =>
      spawn(
        'buildah',
        [
          ...buildahStore(),
          'run',
          '--isolation',
          'chroot',
          '--user',
          config.User as string,
          ...runEnv(port, metricsPort).flatMap((pair) => ['--env', pair]),
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
      expect((await waitForHttp(`${url}/health/live`)).status, log).toBe(200);
      expect((await waitUntilReady(url)).status, log).toBe(200);
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

  it.skipIf(!readOnly)(
    'runs its own CMD on a read-only root with a tmpfs /tmp: ready, HEALTHCHECK passes, only /tmp is writable',
    async () => {
      // What `docker run --read-only --tmpfs /tmp` and readOnlyRootFilesystem + a /tmp emptyDir
      // give the service; `buildah run` cannot, so support/read-only.ts builds that view.
      const user = config.User as string;
      const workdir = config.WorkingDir || '/';
      const port = await freePort();
      const metricsPort = await freePort();
      const env = Object.fromEntries(
        // No drain delay: nothing routes to it, and the exit on SIGTERM is checked below.
        [...(config.Env ?? []), ...runEnv(port, metricsPort), 'SHUTDOWN_DELAY_SECONDS=0'].map(
          (pair) => {
            const at = pair.indexOf('=');
            return [pair.slice(0, at), pair.slice(at + 1)];
          },
        ),
      );
      const server = spawnReadOnly(
        { rootfs: mountPoint, view: join(work, 'read-only-root'), user, workdir, env },
        config.Cmd as string[],
      );
      let log = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        log += chunk;
      });
      server.stderr?.on('data', (chunk: Buffer) => {
        log += chunk;
      });
      const closed = new Promise<number | null>((r) => server.on('close', r));
      let exitCode: number | null | undefined;
      try {
        const url = `http://127.0.0.1:${port}`;
        expect((await waitForHttp(`${url}/health/live`)).status, log).toBe(200);
        expect((await waitUntilReady(url)).status, log).toBe(200);
        const pid = server.pid as number;

        // The process serving is the image's CMD itself, as the image's user, on that view.
        const [uid] = user.split(':');
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, -1)).toEqual(
          config.Cmd?.slice(1),
        );
        expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(
          new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s`, 'm'),
        );
        const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' '));
        const root = mounts.filter((fields) => fields[4] === '/');
        expect(root.length, 'one root mount').toBe(1);
        expect(root[0]?.[5]?.split(','), 'root mount options').toContain('ro');
        const tmp = mounts.filter((fields) => fields[4] === '/tmp').at(-1) ?? [];
        expect(tmp[5]?.split(','), '/tmp mount options').toContain('rw');
        expect(tmp[tmp.indexOf('-') + 1], '/tmp file system').toBe('tmpfs');

        // Writes as the service user: refused by the file system (EROFS, not EACCES) everywhere
        // but the tmpfs.
        const probe = execInside(pid, user, env, [
          'node',
          '--input-type=module',
          '-e',
          WRITE_PROBE,
        ]);
        expect(probe.status, `${probe.stdout}\n${probe.stderr}`).toBe(0);
        expect(JSON.parse(probe.stdout)).toEqual({
          '/': 'EROFS',
          [workdir]: 'EROFS',
          [join(workdir, 'dist')]: 'EROFS',
          '/etc': 'EROFS',
          '/tmp': 'written',
        });

        const healthcheck = execInside(pid, user, env, config.Healthcheck?.Test?.slice(1) ?? []);
        expect(healthcheck.status, `${healthcheck.stdout}\n${healthcheck.stderr}`).toBe(0);
        const token = issuer.mint({ claims: { sub: 'alice', scope: 'notes:read notes:write' } });
        const created = await fetch(`${url}/v1/notes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'read-only', body: 'root' }),
        });
        expect(created.status, log).toBe(201);
        expect(log).toContain(`listening on http://127.0.0.1:${port}`);
        expect(log).not.toMatch(/"level":"(error|fatal)"/);
      } finally {
        if (server.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
        const killer = setTimeout(() => {
          if (server.pid) process.kill(-server.pid, 'SIGKILL');
        }, 10_000);
        exitCode = await closed;
        clearTimeout(killer);
      }
      // SIGTERM reached node itself (exec all the way down) and it shut down with 0. (Its
      // telemetry flush times out: there is no OTLP collector here, as in the run above.)
      expect(exitCode, log).toBe(0);
      expect(log).toMatch(/"msg":"exiting","phase":"exit","code":0/);
      // The mounts lived in the run's own namespace: nothing is left behind on the host.
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(
        join(work, 'read-only-root'),
      );
    },
  );
});

/** Tries to create a file in each folder; prints each folder's outcome (`written` or the code). */
const WRITE_PROBE = `
import { rmSync, writeFileSync } from 'node:fs';
const outcome = {};
for (const dir of ['/', process.cwd(), process.cwd() + '/dist', '/etc', '/tmp']) {
  const file = dir.replace(/\\/$/, '') + '/bulwark-write-probe';
  try {
    writeFileSync(file, 'x');
    rmSync(file);
    outcome[dir] = 'written';
  } catch (error) {
    outcome[dir] = error.code;
  }
}
console.log(JSON.stringify(outcome));
`;

/** Polls /health/ready until it answers 200, bounded to 15 seconds; returns the last answer. */
async function waitUntilReady(url: string): Promise<Response> {
  let ready = await fetch(`${url}/health/ready`);
  for (let i = 0; i < 75 && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 200));
    ready = await fetch(`${url}/health/ready`);
  }
  return ready;
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
