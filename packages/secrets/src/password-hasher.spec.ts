import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulwarkConfigError, ProblemException } from '@bulwark/core';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN_PASSWORD_HASH_COST, PasswordHasher } from './password-hasher.js';
import { PasswordHashBusyError } from './secrets.error.js';

const MIB = 1024 * 1024;
const cost = MIN_PASSWORD_HASH_COST;

let dir: string;
const hashers: PasswordHasher[] = [];

async function create(options: Parameters<typeof PasswordHasher.create>[0]) {
  const hasher = await PasswordHasher.create({ cgroupRoot: dir, ...options });
  hashers.push(hasher);
  return hasher;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-hasher-'));
});

afterEach(async () => {
  for (const hasher of hashers.splice(0)) await hasher.close();
  await rm(dir, { recursive: true, force: true });
});

describe('PasswordHasher', () => {
  // Regression: as the Nest provider the README shows, the hasher kept its workers after
  // app.close(), since Nest knew no hook to stop them.
  it('stops its workers when the Nest app that provides it closes', async () => {
    const ref = await Test.createTestingModule({
      providers: [{ provide: PasswordHasher, useFactory: () => create({ workers: 1 }) }],
    }).compile();
    const hasher = ref.get(PasswordHasher);
    const hash = await hasher.hash('provider-password', cost);
    expect(hasher.toJSON()).toMatchObject({ started: 1 });
    await ref.close();
    expect(hasher.toJSON()).toMatchObject({ started: 0 });
    await expect(hasher.verify(hash, 'provider-password')).rejects.toThrow(
      'the password hasher is closed',
    );
  });

  it('hashes and verifies in worker threads', async () => {
    const hasher = await create({ workers: 2 });
    const hash = await hasher.hash('pw-in-a-worker', cost);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(hash, 'pw-in-a-worker')).toBe(true);
    expect(await hasher.verify(hash, 'pw-in-a-worker!')).toBe(false);
    expect(await hasher.verify(hash, new TextEncoder().encode('pw-in-a-worker'))).toBe(true);
    expect(hasher.toJSON()).toMatchObject({ workers: 2, busy: 0, queued: 0 });
  });

  describe('when every worker is busy and the queue is full', () => {
    it('throws PasswordHashBusyError at once: a 503 problem with Retry-After', async () => {
      const hasher = await create({ workers: 1, maxQueue: 1, retryAfterSeconds: 3 });
      const hash = await hasher.hash('pw', cost);
      const running = hasher.verify(hash, 'pw');
      const queued = hasher.verify(hash, 'pw');
      const refused = await hasher.verify(hash, 'pw').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PasswordHashBusyError);
      expect(refused).toBeInstanceOf(ProblemException);
      const busy = refused as PasswordHashBusyError;
      expect(busy.code).toBe('SECRETS_BUSY');
      expect(busy.retryAfterSeconds).toBe(3);
      expect(busy.getStatus()).toBe(503);
      expect(busy.headers).toEqual({ 'retry-after': '3' });
      expect(busy.problem).toEqual({
        type: 'urn:bulwark:problem:service-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'Too many password checks are in progress. Try again later.',
      });
      expect(busy.reason).toBe(
        'password hashing is at capacity: every worker is busy and 1 task(s) wait',
      );
      // The work already accepted still completes.
      expect(await Promise.all([running, queued])).toEqual([true, true]);
    });
  });

  describe('memory cost', () => {
    it('refuses a stored hash claiming more memory than maxMemLimit, before any work', async () => {
      const hasher = await create({});
      const hash = await hasher.hash('pw', cost);
      const inflated = hash.replace('m=19456', 'm=131072');
      await expect(hasher.verify(inflated, 'pw')).rejects.toMatchObject({
        code: 'SECRETS_INVALID_INPUT',
        message:
          'the stored hash claims a cost above the maximum (m=131072 KiB, t=2; maxMemLimit is 65536 KiB)',
      });
      expect(hasher.toJSON()).toMatchObject({ busy: 0, queued: 0 });
    });

    it('refuses to hash at a cost above maxMemLimit', async () => {
      const hasher = await create({});
      await expect(hasher.hash('pw', 'moderate')).rejects.toMatchObject({
        code: 'SECRETS_INVALID_INPUT',
        message:
          "cost: memLimit 268435456 is above this hasher's maxMemLimit (67108864); use a smaller cost or raise maxMemLimit",
      });
    });
  });

  describe('when created in a container with a memory limit', () => {
    it('accepts the defaults under a 256 MiB cgroup v2 limit', async () => {
      await writeFile(join(dir, 'memory.max'), `${256 * MIB}\n`);
      const hasher = await create({});
      expect(hasher.maxMemLimit).toBe(64 * MIB);
    });

    it('refuses a cost that does not fit a cgroup v2 limit, naming the option', async () => {
      await writeFile(join(dir, 'memory.max'), `${256 * MIB}\n`);
      const error = await create({ maxMemLimit: 256 * MIB }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BulwarkConfigError);
      expect((error as BulwarkConfigError).setting).toBe('maxMemLimit');
      expect((error as Error).message).toBe(
        `maxMemLimit: 1 password-hash worker(s) × (256 MiB Argon2id memory + 24 MiB) + memoryReserveBytes 96 MiB need 376 MiB, above the container memory limit of 256 MiB (${join(dir, 'memory.max')}). Lower maxMemLimit or workers, or raise the container's memory limit.`,
      );
    });

    it('reads a cgroup v1 limit, and counts every worker', async () => {
      await mkdir(join(dir, 'memory'));
      await writeFile(join(dir, 'memory', 'memory.limit_in_bytes'), `${256 * MIB}\n`);
      await expect(create({ workers: 2 })).rejects.toThrow(
        /^maxMemLimit: 2 password-hash worker\(s\) × \(64 MiB Argon2id memory \+ 24 MiB\) \+ memoryReserveBytes 96 MiB need 272 MiB, above the container memory limit of 256 MiB/,
      );
    });

    it('accepts any cost without a limit (cgroup "max", or no cgroup files)', async () => {
      await writeFile(join(dir, 'memory.max'), 'max\n');
      expect((await create({ maxMemLimit: 1024 * MIB })).maxMemLimit).toBe(1024 * MIB);
      await rm(join(dir, 'memory.max'));
      expect((await create({ maxMemLimit: 512 * MIB })).maxMemLimit).toBe(512 * MIB);
    });
  });

  it('validates options, naming the option', async () => {
    await expect(create({ workers: 0 })).rejects.toThrow(
      'workers: must be an integer from 1 to 32',
    );
    await expect(create({ maxQueue: -1 })).rejects.toThrow(
      'maxQueue: must be an integer from 0 to 10000',
    );
    await expect(create({ maxMemLimit: MIB })).rejects.toThrow(
      'maxMemLimit: must be an integer from 19922944 to 1073741824',
    );
    await expect(create({ retryAfterSeconds: 0 })).rejects.toThrow(
      'retryAfterSeconds: must be an integer from 1 to 3600',
    );
  });
});
