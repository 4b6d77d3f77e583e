import { type InspectOptions, inspect } from 'node:util';
import { BulwarkConfigError } from '@bulwark/core';
import { containerMemoryLimit } from './internal/memory-limit.js';
import { loadSodium, toBytes } from './internal/sodium.js';
import { WorkerPool } from './internal/worker-pool.js';
import { PasswordHashBusyError, SecretsError } from './secrets.error.js';

/**
 * Argon2id cost presets, from libsodium:
 * - `interactive`: 2 passes, 64 MiB (online logins; the default)
 * - `moderate`: 3 passes, 256 MiB
 * - `sensitive`: 4 passes, 1 GiB (rare, high-value secrets; slow)
 */
export type PasswordHashProfile = 'interactive' | 'moderate' | 'sensitive';

/** Argon2id cost: a preset or explicit limits. */
export type PasswordHashCost = PasswordHashProfile | { opsLimit: number; memLimit: number };

/** The smallest cost accepted: OWASP's Argon2id floor (19 MiB, 2 passes). */
export const MIN_PASSWORD_HASH_COST = { opsLimit: 2, memLimit: 19 * 1024 * 1024 } as const;
/**
 * The largest cost any hasher accepts. A hasher's own `maxMemLimit` (64 MiB by default) is
 * usually the tighter bound on memory.
 */
export const MAX_PASSWORD_HASH_COST = { opsLimit: 10, memLimit: 1024 * 1024 * 1024 } as const;
/** Longer passwords are refused, so a request cannot make hashing arbitrarily expensive. */
export const MAX_PASSWORD_BYTES = 4096;

const MIB = 1024 * 1024;
/** What one worker thread costs besides Argon2's own memory: its isolate and libsodium. */
const WORKER_OVERHEAD_BYTES = 24 * MIB;
const HASH_PATTERN = /^\$argon2id?\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
/** `src/` and `dist/` are both one level below the package root, where `worker/` is. */
const WORKER_URL = new URL('../worker/password-hash-worker.mjs', import.meta.url);

/**
 * Options of {@link PasswordHasher.create}. The defaults fit a container with a 256 MiB memory
 * limit (the generated service's): one worker at the `interactive` cost.
 */
export interface PasswordHasherOptions {
  /** Worker threads that hash and verify, from 1 to 32. Each may use `maxMemLimit`. @default 1 */
  workers?: number;
  /**
   * Tasks that may wait while every worker is busy, from 0 to 10000. One more gets a
   * `PasswordHashBusyError` (503 with `Retry-After`). @default 32
   */
  maxQueue?: number;
  /**
   * The most memory, in bytes, one Argon2id run may use: the cap on `hash()`'s cost and on the
   * cost a stored hash may claim in `verify()` (a tampered hash could otherwise claim 1 GiB).
   * From 19 MiB to 1 GiB. @default 67108864 (64 MiB, the `interactive` cost)
   */
  maxMemLimit?: number;
  /** Sent as `Retry-After` when the queue is full, from 1 to 3600. @default 1 */
  retryAfterSeconds?: number;
  /**
   * Memory the rest of the process needs, in bytes. At creation, `memoryReserveBytes +
   * workers × (maxMemLimit + 24 MiB)` must fit the container's memory limit.
   * @default 100663296 (96 MiB)
   */
  memoryReserveBytes?: number;
  /**
   * Where the cgroup file system is mounted: `memory.max` (v2) or `memory/memory.limit_in_bytes`
   * (v1) under it gives the container's memory limit. @default '/sys/fs/cgroup'
   */
  cgroupRoot?: string;
}

interface ResolvedOptions {
  workers: number;
  maxQueue: number;
  maxMemLimit: number;
  retryAfterSeconds: number;
  memoryReserveBytes: number;
  cgroupRoot: string;
}

function int(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new BulwarkConfigError(option, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function resolveOptions(options: PasswordHasherOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new BulwarkConfigError('options', 'PasswordHasher.create needs an options object');
  }
  if (options.cgroupRoot !== undefined && typeof options.cgroupRoot !== 'string') {
    throw new BulwarkConfigError('cgroupRoot', 'must be a directory path');
  }
  return {
    workers: int('workers', options.workers, 1, 1, 32),
    maxQueue: int('maxQueue', options.maxQueue, 32, 0, 10_000),
    maxMemLimit: int(
      'maxMemLimit',
      options.maxMemLimit,
      64 * MIB,
      MIN_PASSWORD_HASH_COST.memLimit,
      MAX_PASSWORD_HASH_COST.memLimit,
    ),
    retryAfterSeconds: int('retryAfterSeconds', options.retryAfterSeconds, 1, 1, 3600),
    memoryReserveBytes: int('memoryReserveBytes', options.memoryReserveBytes, 96 * MIB, 0, 2 ** 40),
    cgroupRoot: options.cgroupRoot ?? '/sys/fs/cgroup',
  };
}

/** The limits of a cost, validated. */
export function costLimits(cost: PasswordHashCost): { opsLimit: number; memLimit: number } {
  if (typeof cost === 'object' && cost !== null) {
    const { opsLimit, memLimit } = cost;
    const ok =
      Number.isSafeInteger(opsLimit) &&
      Number.isSafeInteger(memLimit) &&
      opsLimit >= MIN_PASSWORD_HASH_COST.opsLimit &&
      opsLimit <= MAX_PASSWORD_HASH_COST.opsLimit &&
      memLimit >= MIN_PASSWORD_HASH_COST.memLimit &&
      memLimit <= MAX_PASSWORD_HASH_COST.memLimit;
    if (!ok) {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `cost: opsLimit must be ${MIN_PASSWORD_HASH_COST.opsLimit} to ${MAX_PASSWORD_HASH_COST.opsLimit} and memLimit ${MIN_PASSWORD_HASH_COST.memLimit} to ${MAX_PASSWORD_HASH_COST.memLimit} bytes`,
      );
    }
    return { opsLimit, memLimit };
  }
  switch (cost) {
    case 'interactive':
      return { opsLimit: 2, memLimit: 64 * MIB };
    case 'moderate':
      return { opsLimit: 3, memLimit: 256 * MIB };
    case 'sensitive':
      return { opsLimit: 4, memLimit: 1024 * MIB };
    default: {
      const unknown: never = cost;
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `cost: unknown profile "${String(unknown)}"; use interactive, moderate or sensitive`,
      );
    }
  }
}

/** The cost a PHC string claims. Throws `SECRETS_MALFORMED` for anything but Argon2. */
export function claimedCost(hash: string): { memLimit: number; opsLimit: number } {
  const match = typeof hash === 'string' ? HASH_PATTERN.exec(hash) : null;
  if (!match) {
    throw new SecretsError(
      'SECRETS_MALFORMED',
      'the stored hash is not an Argon2 hash in PHC format ($argon2id$v=19$m=…,t=…,p=…$…$…)',
    );
  }
  return { memLimit: Number(match[1]) * 1024, opsLimit: Number(match[2]) };
}

/** A copy of the password in a buffer of its own, to move to a worker; the input is wiped if it was ours. */
function movablePassword(password: string | Uint8Array): Uint8Array {
  const bytes = toBytes(password);
  const copy = new Uint8Array(bytes);
  if (typeof password === 'string') bytes.fill(0);
  return copy;
}

const mib = (bytes: number) => `${Math.round((bytes / MIB) * 10) / 10} MiB`;

/**
 * Argon2id hashing and verification off the main thread, in a bounded pool of worker threads
 * with a bounded queue: a login burst never stalls the event loop (health probes included), and
 * a full queue answers at once with `PasswordHashBusyError` (a 503 with `Retry-After`).
 *
 * Create it at start-up: `create()` checks the memory the pool may take against the container's
 * memory limit and refuses, naming the option, when it does not fit. Workers start on first use.
 * It prints and serializes as its settings, never a password.
 *
 * @example
 * ```ts
 * const hasher = await PasswordHasher.create({ workers: 2, maxQueue: 64 });
 * const hash = await hasher.hash(body.password);
 * if (!(await hasher.verify(user.passwordHash, body.password))) throw unauthorized();
 * ```
 */
export class PasswordHasher {
  private readonly pool: WorkerPool;

  private constructor(private readonly options: ResolvedOptions) {
    this.pool = new WorkerPool({
      workerUrl: WORKER_URL,
      size: options.workers,
      maxQueue: options.maxQueue,
      full: (queued) => new PasswordHashBusyError(options.retryAfterSeconds, queued),
    });
  }

  /**
   * Validates the options and checks them against the container's memory limit. Throws a
   * `BulwarkConfigError` naming the option when they do not fit.
   */
  static async create(options: PasswordHasherOptions = {}): Promise<PasswordHasher> {
    const resolved = resolveOptions(options);
    const limit = await containerMemoryLimit(resolved.cgroupRoot);
    const needed =
      resolved.memoryReserveBytes +
      resolved.workers * (resolved.maxMemLimit + WORKER_OVERHEAD_BYTES);
    if (limit !== undefined && needed > limit.bytes) {
      throw new BulwarkConfigError(
        'maxMemLimit',
        `${resolved.workers} password-hash worker(s) × (${mib(resolved.maxMemLimit)} Argon2id memory + ${mib(WORKER_OVERHEAD_BYTES)}) + memoryReserveBytes ${mib(resolved.memoryReserveBytes)} need ${mib(needed)}, above the container memory limit of ${mib(limit.bytes)} (${limit.source}). Lower maxMemLimit or workers, or raise the container's memory limit.`,
      );
    }
    return new PasswordHasher(resolved);
  }

  /** The most memory one Argon2id run may use here, in bytes. */
  get maxMemLimit(): number {
    return this.options.maxMemLimit;
  }

  /**
   * Hashes a password with Argon2id (`crypto_pwhash_str`) in a worker: a PHC string with its
   * own salt and cost, ready to store.
   *
   * @param cost - @default 'interactive'
   */
  async hash(
    password: string | Uint8Array,
    cost: PasswordHashCost = 'interactive',
  ): Promise<string> {
    const { opsLimit, memLimit } = costLimits(cost);
    if (memLimit > this.options.maxMemLimit) {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `cost: memLimit ${memLimit} is above this hasher's maxMemLimit (${this.options.maxMemLimit}); use a smaller cost or raise maxMemLimit`,
      );
    }
    const bytes = movablePassword(password);
    if (bytes.length === 0)
      throw new SecretsError('SECRETS_INVALID_INPUT', 'the password is empty');
    if (bytes.length > MAX_PASSWORD_BYTES) {
      bytes.fill(0);
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `the password is longer than ${MAX_PASSWORD_BYTES} bytes`,
      );
    }
    return (await this.pool.run({ op: 'hash', password: bytes, opsLimit, memLimit })) as string;
  }

  /**
   * Verifies a password against an Argon2 hash in constant time, in a worker. Returns `false`
   * for a wrong password; throws `SECRETS_MALFORMED` for a hash that is not Argon2, and
   * `SECRETS_INVALID_INPUT` for a hash that claims more memory than `maxMemLimit` or more
   * passes than `MAX_PASSWORD_HASH_COST`.
   */
  async verify(hash: string, password: string | Uint8Array): Promise<boolean> {
    const claimed = claimedCost(hash);
    if (
      claimed.memLimit > this.options.maxMemLimit ||
      claimed.opsLimit > MAX_PASSWORD_HASH_COST.opsLimit
    ) {
      throw new SecretsError(
        'SECRETS_INVALID_INPUT',
        `the stored hash claims a cost above the maximum (m=${claimed.memLimit / 1024} KiB, t=${claimed.opsLimit}; maxMemLimit is ${this.options.maxMemLimit / 1024} KiB)`,
      );
    }
    const bytes = movablePassword(password);
    if (bytes.length === 0 || bytes.length > MAX_PASSWORD_BYTES) {
      bytes.fill(0);
      return false;
    }
    return (await this.pool.run({ op: 'verify', password: bytes, hash })) as boolean;
  }

  /**
   * Whether a stored hash should be replaced (after a successful login) because it is not
   * Argon2id or its cost differs from `cost`. Cheap: it runs on the calling thread.
   *
   * @param cost - @default 'interactive'
   */
  async needsRehash(hash: string, cost: PasswordHashCost = 'interactive'): Promise<boolean> {
    claimedCost(hash);
    if (!hash.startsWith('$argon2id$')) return true;
    const { opsLimit, memLimit } = costLimits(cost);
    const lib = await loadSodium();
    return lib.crypto_pwhash_str_needs_rehash(hash, opsLimit, memLimit);
  }

  /** Stops the workers; waiting tasks fail. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /**
   * Registered as a Nest provider (`useFactory: () => PasswordHasher.create()`), the hasher
   * stops its workers when the app closes, as {@link PasswordHasher.close} does.
   */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** What `util.inspect` and `console.log` show: settings and load, never a password. */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `PasswordHasher ${format(this.toJSON(), options)}`;
  }

  /** What `JSON.stringify` writes: settings and load, never a password. */
  toJSON(): Record<string, unknown> {
    const { workers, maxQueue, maxMemLimit } = this.options;
    const { workers: started, busy, queued } = this.pool.stats;
    return { type: 'PasswordHasher', workers, maxQueue, maxMemLimit, started, busy, queued };
  }
}
