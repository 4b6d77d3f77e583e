import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import {
  cacheDir,
  hasImageTools,
  hostCaBundle,
  imageNodeMajor,
  nodeBinary,
  preflight,
} from './support/standin.js';

/*
 * Regression: on a fresh machine ~/.cache/bulwark did not exist, and the image suite's first
 * `buildah images` was spawned with that folder as its working directory, so it failed with
 * ENOENT before building anything.
 */
describe('the stand-in image cache on a fresh machine', () => {
  const saved = process.env.BULWARK_CACHE_DIR;
  let parent: string | undefined;

  afterEach(() => {
    if (saved === undefined) delete process.env.BULWARK_CACHE_DIR;
    else process.env.BULWARK_CACHE_DIR = saved;
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('creates a missing cache folder before first use', () => {
    parent = tempDir('cache');
    const missing = join(parent, 'not', 'yet', 'there');
    process.env.BULWARK_CACHE_DIR = missing;
    expect(existsSync(missing)).toBe(false);
    expect(cacheDir()).toBe(missing);
    expect(existsSync(missing)).toBe(true);
  });

  it.runIf(hasImageTools() || process.env.CI)(
    'runs the preflight (buildah images) against a cache folder that does not exist yet',
    () => {
      parent = tempDir('cache');
      const missing = join(parent, 'fresh-home', '.cache', 'bulwark');
      process.env.BULWARK_CACHE_DIR = missing;
      expect(preflight()).toEqual([]);
      expect(existsSync(join(missing, 'containers'))).toBe(true);
    },
  );
});

/*
 * Regression: under turbo (strict environment mode) the tests did not see NODE_EXTRA_CA_CERTS, so
 * the stand-in images were built without the CA that npm inside the build needs behind a
 * TLS-inspecting proxy, and the image build failed with SELF_SIGNED_CERT_IN_CHAIN.
 */
describe('the CA bundle given to npm inside the image build', () => {
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
  });

  it("falls back to the host npm's cafile when NODE_EXTRA_CA_CERTS is not passed on", () => {
    delete process.env.NODE_EXTRA_CA_CERTS;
    const probe = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' });
    const cafile = probe.stdout.trim();
    const configured = cafile !== '' && cafile !== 'null' && existsSync(cafile);
    expect(hostCaBundle()).toBe(configured ? cafile : undefined);
  });

  it('prefers NODE_EXTRA_CA_CERTS when it names a file', () => {
    const parent = tempDir('ca');
    const file = join(parent, 'extra.pem');
    writeFileSync(file, '');
    process.env.NODE_EXTRA_CA_CERTS = file;
    try {
      expect(hostCaBundle()).toBe(file);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

/*
 * The stand-ins ran the node that ran the tests (20), while the Dockerfile's bases are Node 24:
 * the image test built and ran the service on another major than the image it stands in for.
 */
describe("the stand-in's node", () => {
  it("is the major of the Dockerfile's default build image", () => {
    expect(imageNodeMajor()).toBe(24);
  });

  it('runs that major, from node-linux-<arch> on npm when the tests run on another', () => {
    const bin = nodeBinary(imageNodeMajor());
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version).toMatch(/^v24\.\d+\.\d+$/);
  });
});
