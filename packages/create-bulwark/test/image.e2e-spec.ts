import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir, waitForHttp } from './support/cli.js';
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

  afterAll(() => {
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
    expect(config.Cmd?.[0]).toBe('node');
    expect(config.Cmd).toContain('dist/main.js');
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

  it('starts as the numeric user and answers its liveness probe and HEALTHCHECK', async () => {
    const port = await freePort();
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
          '--env',
          `PORT=${port}`,
          '--env',
          'HOST=127.0.0.1',
          container,
          '--',
          ...args,
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
    const server = run(['node', '--enable-source-maps', 'dist/main.js']);
    let log = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    try {
      // /health/ready comes with @bulwark/health; until it is wired the image serves liveness.
      const response = await waitForHttp(`http://127.0.0.1:${port}/health/live`);
      expect(response.status, log).toBe(200);
      const healthcheck = run(['node', 'dist/healthcheck.js', '/health/live']);
      const status = await new Promise<number | null>((r) => healthcheck.on('close', r));
      expect(status).toBe(0);
      expect(log).toContain('"msg":"listening"');
    } finally {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
      await new Promise((r) => server.on('close', r));
    }
  });
});

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
