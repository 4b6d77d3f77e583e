import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import { cacheDir, hasImageTools, preflight } from './support/standin.js';

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
