import { readFile } from 'node:fs/promises';
import { Pool, type PoolClient, type PoolConfig } from 'pg';

/** What {@link RotatingPool} is made from. */
export interface RotatingPoolSettings {
  /** Every setting of each pool but the password. */
  config: Omit<PoolConfig, 'password'>;
  /** The password known at start-up. */
  password: string | undefined;
  /** The file to re-read; without it the password never changes. */
  passwordFile: string | undefined;
  /** How often the file is re-read, in ms. */
  passwordCheckMs: number;
  /** Told about connection errors of idle clients and unreadable password files. */
  onError: (message: string) => void;
  /** Told when a new password is taken. */
  onRotate: () => void;
}

const INVALID_PASSWORD = '28P01';

/** Clients that already carry this package's error listener. */
const guarded = new WeakSet<PoolClient>();

/**
 * A `pg.Pool` that swaps its inner pool when the password file changes: new connections use
 * the new password, and the old pool ends once its checked-out clients are released, so old
 * sessions are recycled without failing a query. It extends `Pool` so that Drizzle's
 * node-postgres driver checks out one client per transaction, as it does for a real pool.
 * Only the promise forms of `query` and `connect` are supported.
 */
export class RotatingPool extends Pool {
  private current: Pool;
  private password: string | undefined;
  private readonly settings: RotatingPoolSettings;
  private readonly timer: NodeJS.Timeout | undefined;
  private checking: Promise<boolean> | undefined;
  private closed = false;
  private readonly retired = new Set<Pool>();
  /** How many times the password changed. */
  rotations = 0;

  constructor(settings: RotatingPoolSettings) {
    // The base pool is never used: it only makes `instanceof Pool` true.
    super({ max: 1 });
    this.settings = settings;
    this.password = settings.password;
    this.current = this.createPool(settings.password);
    if (settings.passwordFile !== undefined) {
      this.timer = setInterval(() => void this.checkPassword(), settings.passwordCheckMs);
      this.timer.unref();
    }
  }

  private createPool(password: string | undefined): Pool {
    const pool = new Pool({ ...this.settings.config, password });
    // Without a listener, an idle client's error (the server restarting) would crash the process.
    pool.on('error', (error) =>
      this.settings.onError(`idle connection failed: ${describe(error)}`),
    );
    return pool;
  }

  /**
   * Re-reads the password file and, when it changed, moves new connections to a pool using the
   * new password and ends the old one. Resolves whether the password changed.
   */
  checkPassword(): Promise<boolean> {
    const file = this.settings.passwordFile;
    if (file === undefined || this.closed) return Promise.resolve(false);
    this.checking ??= (async () => {
      try {
        const next = (await readFile(file, 'utf8')).trim();
        if (next === '' || next === this.password || this.closed) return false;
        const old = this.current;
        this.password = next;
        this.current = this.createPool(next);
        this.rotations += 1;
        this.retire(old);
        this.settings.onRotate();
        return true;
      } catch (error) {
        // A Secret volume swaps its files through a symlink; a read between the two steps can
        // fail. The old password stays until the next check.
        this.settings.onError(`DATABASE_PASSWORD_FILE could not be read: ${describe(error)}`);
        return false;
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  private retire(pool: Pool): void {
    this.retired.add(pool);
    pool
      .end()
      .catch(() => undefined)
      .finally(() => this.retired.delete(pool));
  }

  private async withRetry<T>(run: (pool: Pool) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the database pool is closed');
    try {
      return await run(this.current);
    } catch (error) {
      if ((error as { code?: unknown }).code === INVALID_PASSWORD && (await this.checkPassword())) {
        return run(this.current);
      }
      throw error;
    }
  }

  /** Checks out a client of the current pool (promise form only). */
  override connect(): never {
    return this.withRetry(async (pool) => {
      const client = await pool.connect();
      // pg-pool removes its own listener while a client is checked out: a connection lost
      // between two statements of a transaction would otherwise be an unhandled 'error' event
      // and end the process. The next statement on the client fails instead.
      if (!guarded.has(client)) {
        guarded.add(client);
        client.on('error', (error) =>
          this.settings.onError(`connection in use failed: ${describe(error)}`),
        );
      }
      return client;
    }) as never;
  }

  /** Runs a query on the current pool (promise form only). */
  override query(...args: unknown[]): never {
    return this.withRetry(
      (pool) => Reflect.apply(pool.query, pool, args) as Promise<unknown>,
    ) as never;
  }

  /** Checks out a client, typed. */
  acquire(): Promise<PoolClient> {
    return this.connect() as Promise<PoolClient>;
  }

  /** Ends every pool, waiting for checked-out clients to be released. Idempotent. */
  override end(): never {
    return this.close() as never;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([this.current.end(), ...[...this.retired].map((pool) => pool.end())]);
  }

  /** Whether {@link RotatingPool.end} was called. */
  get isClosed(): boolean {
    return this.closed;
  }
}

/** An error's message and code, never a password (pg's messages do not hold one). */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
