import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from './cli-commands.js';
import { withFileLock } from './ring-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-ring-file-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quiet = {
  stdin: (async function* () {})(),
  stdout: () => undefined,
  stderr: () => undefined,
};

describe('keygen --ring under a lock', () => {
  // Regression: every concurrent rotation read the same old ring, so all but one key was lost.
  it('keeps every key of rotations started at once in one process', async () => {
    const ring = join(dir, 'ring.keys');
    const kids = Array.from({ length: 8 }, (_, index) => `p${index}`);
    await Promise.all(
      kids.map((kid) => runCommand({ name: 'keygen', type: 'aead', kid, ring }, quiet)),
    );
    const written = (await readFile(ring, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(':')[2]);
    expect(written.sort()).toEqual(kids);
  });

  it('gives up with SECRETS_BUSY, naming the lock, while a live writer holds it', async () => {
    const ring = join(dir, 'held.keys');
    await writeFile(`${ring}.lock`, `${process.pid}\n`);
    await expect(
      withFileLock(ring, async () => 'ran', { timeoutMs: 50, pollMs: 5 }),
    ).rejects.toMatchObject({
      code: 'SECRETS_BUSY',
      message: `${ring} is locked by another writer (${ring}.lock); retry when it is done, or delete the lock file if no bulwark-secrets process is running`,
    });
    await rm(`${ring}.lock`);
    expect(await withFileLock(ring, async () => 'ran', { timeoutMs: 50, pollMs: 5 })).toBe('ran');
  });
});
