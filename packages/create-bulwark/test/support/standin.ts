import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { bulwarkCacheDir, nodeBinary } from '@bulwark/test-harness/node';
import { REPO, sh } from './cli.js';

export { nodeBinary };

/*
 * A local stand-in for the digest-pinned node and distroless images of the generated Dockerfile:
 * Debian bookworm minbase (debootstrap, from the machine's apt mirror), a node binary of the
 * major the Dockerfile's bases run (see imageNodeMajor), the host's npm, and the host's CA bundle
 * (so npm inside the build reaches the registry, through a TLS-inspecting proxy too: see
 * hostCaBundle). The rootfs and the images are cached per day under BULWARK_CACHE_DIR (default
 * ~/.cache/bulwark).
 */

const DAY = new Date().toISOString().slice(0, 10);

/**
 * The cache folder (BULWARK_CACHE_DIR, default ~/.cache/bulwark), created on first use: on a
 * fresh machine nothing has made it yet, and a spawn with a missing working directory fails.
 */
export function cacheDir(): string {
  return bulwarkCacheDir();
}

/** Global buildah flags: a private vfs store, so nothing clashes with the machine's own. */
export function buildahStore(): string[] {
  const cache = cacheDir();
  return [
    '--root',
    join(cache, 'containers'),
    '--runroot',
    join(cache, 'run'),
    '--storage-driver',
    'vfs',
  ];
}

/** Runs buildah with the private store, in the cache folder unless told otherwise. */
export function buildah(args: readonly string[], cwd?: string): string {
  const store = buildahStore();
  return sh('buildah', [...store, ...args], cwd ?? cacheDir()).trim();
}

/**
 * The check the image suite runs before anything else: the private store answers, and lists
 * the images it holds (none on a fresh machine).
 */
export function preflight(): string[] {
  return buildah(['images', '--format', '{{.Name}}:{{.Tag}}']).split('\n').filter(Boolean);
}

/** Whether buildah and debootstrap are installed. */
export function hasImageTools(): boolean {
  return ['buildah', 'debootstrap'].every(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
  );
}

/** The Debian mirror of the machine's apt sources. */
function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1] as string;
    const legacy = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m.exec(text);
    if (legacy) return legacy[1] as string;
  }
  return 'http://deb.debian.org/debian';
}

/** The cached bookworm minbase rootfs, created on first use of the day. */
function rootfs(): string {
  const cache = cacheDir();
  const dir = join(cache, `rootfs-bookworm-${DAY}`);
  if (existsSync(join(dir, 'etc', 'debian_version'))) return dir;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  sh('debootstrap', ['--variant=minbase', 'bookworm', partial, debianMirror()], cache);
  renameSync(partial, dir);
  return dir;
}

/**
 * The Node major of the generated Dockerfile's default build image (`ARG NODE_IMAGE=…/node:24-…`):
 * the stand-ins run the same major as the real bases, not whatever node runs the tests.
 */
export function imageNodeMajor(): number {
  const dockerfile = readFileSync(join(REPO, 'templates', 'service', 'Dockerfile'), 'utf8');
  const match = /^ARG NODE_IMAGE=\S*\/node:(\d+)[-.@]/m.exec(dockerfile);
  if (!match) {
    throw new Error('templates/service/Dockerfile has no default ARG NODE_IMAGE=…/node:<major>…');
  }
  return Number(match[1]);
}

/** The stand-in image references, built on first use of the day. */
export interface StandIns {
  node: string;
  runtime: string;
}

/** Builds (or reuses) the stand-in build image (node + npm) and runtime image (node only). */
export function standInImages(): StandIns {
  const nodeBin = nodeBinary(imageNodeMajor());
  const nodeVersion = sh(nodeBin, ['--version'], cacheDir()).trim().replace(/^v/, '');
  const tag = `${DAY}-node${nodeVersion}-r3`;
  const images = {
    node: `localhost/bulwark-standin-node:${tag}`,
    runtime: `localhost/bulwark-standin-runtime:${tag}`,
  };
  const existing = preflight();
  if (existing.includes(images.node) && existing.includes(images.runtime)) return images;

  const base = rootfs();
  const work = join(cacheDir(), `layers-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const rootTar = join(work, 'rootfs.tar');
    sh(
      'tar',
      [
        '-C',
        base,
        '--exclude=./dev/*',
        '--exclude=./proc/*',
        '--exclude=./sys/*',
        '-cf',
        rootTar,
        '.',
      ],
      work,
    );
    const runtimeTar = join(work, 'runtime-rootfs.tar');
    // Like distroless: no package manager in the runtime base.
    sh(
      'tar',
      [
        '-C',
        base,
        '--exclude=./dev/*',
        '--exclude=./proc/*',
        '--exclude=./sys/*',
        '--exclude=./usr/bin/apt*',
        '--exclude=./usr/bin/dpkg*',
        '--exclude=./var/lib/dpkg',
        '-cf',
        runtimeTar,
        '.',
      ],
      work,
    );

    const nodeLayer = join(work, 'node');
    mkdirSync(join(nodeLayer, 'usr', 'local', 'bin'), { recursive: true });
    cpSync(nodeBin, join(nodeLayer, 'usr', 'local', 'bin', 'node'));
    mkdirSync(join(nodeLayer, 'nodejs', 'bin'), { recursive: true });
    symlinkSync('/usr/local/bin/node', join(nodeLayer, 'nodejs', 'bin', 'node'));
    const ca = hostCaBundle();
    mkdirSync(join(nodeLayer, 'etc', 'ssl', 'certs'), { recursive: true });
    if (ca && existsSync(ca))
      cpSync(ca, join(nodeLayer, 'etc', 'ssl', 'certs', 'bulwark-extra-ca.pem'));
    const nodeTar = join(work, 'node.tar');
    sh('tar', ['-C', nodeLayer, '-cf', nodeTar, '.'], work);

    const npmLayer = join(work, 'npm');
    const npmCli = realpathSync(sh('sh', ['-c', 'command -v npm'], work).trim());
    const npmRoot = dirname(dirname(npmCli));
    cpSync(npmRoot, join(npmLayer, 'usr', 'local', 'lib', 'node_modules', 'npm'), {
      recursive: true,
    });
    mkdirSync(join(npmLayer, 'usr', 'local', 'bin'), { recursive: true });
    symlinkSync(
      '../lib/node_modules/npm/bin/npm-cli.js',
      join(npmLayer, 'usr', 'local', 'bin', 'npm'),
    );
    symlinkSync(
      '../lib/node_modules/npm/bin/npx-cli.js',
      join(npmLayer, 'usr', 'local', 'bin', 'npx'),
    );
    const npmTar = join(work, 'npm.tar');
    sh('tar', ['-C', npmLayer, '-cf', npmTar, '.'], work);

    const env = [
      '--env',
      'PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin',
      ...(ca && existsSync(ca)
        ? ['--env', 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/bulwark-extra-ca.pem']
        : []),
    ];
    const build = (image: string, tars: string[]) => {
      const ctr = buildah(['from', 'scratch']);
      try {
        for (const tar of tars) buildah(['add', ctr, tar, '/']);
        buildah(['config', ...env, '--cmd', 'node', ctr]);
        buildah(['commit', '--format', 'docker', ctr, image]);
      } finally {
        buildah(['rm', ctr]);
      }
    };
    build(images.node, [rootTar, nodeTar, npmTar]);
    build(images.runtime, [runtimeTar, nodeTar]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return images;
}

/**
 * The CA bundle the host's npm trusts: NODE_EXTRA_CA_CERTS, else npm's own `cafile` setting.
 * Task runners may not pass NODE_EXTRA_CA_CERTS on (turbo's strict environment mode drops it),
 * and a build that lost it fails on a fresh machine with SELF_SIGNED_CERT_IN_CHAIN.
 */
export function hostCaBundle(): string | undefined {
  const fromEnv = process.env.NODE_EXTRA_CA_CERTS;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const probe = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' });
  const cafile = probe.status === 0 ? probe.stdout.trim() : '';
  return cafile && cafile !== 'null' && cafile !== 'undefined' && existsSync(cafile)
    ? cafile
    : undefined;
}
