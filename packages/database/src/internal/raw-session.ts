import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PoolClient } from 'pg';

/** Plain SQL on one session, for migrations and the schema-version check. */
export interface RawSession {
  /** One statement with bound parameters; returns its rows. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** A script of statements without parameters (a migration file). */
  exec(text: string): Promise<void>;
}

/** Engine-neutral access to sessions and transactions. */
export interface RawAccess {
  /** Runs `work` on one session; on PostgreSQL it holds one pooled client throughout. */
  session<T>(
    work: (
      session: RawSession,
      transaction: <R>(inner: (tx: RawSession) => Promise<R>) => Promise<R>,
    ) => Promise<T>,
  ): Promise<T>;
  /** Whether `pg_advisory_lock` should guard a migration run (PostgreSQL only). */
  readonly shared: boolean;
}

const accessByDatabase = new WeakMap<object, RawAccess>();

/** Records the raw access of a database object, for this package's own helpers. */
export function setRawAccess(database: object, access: RawAccess): void {
  accessByDatabase.set(database, access);
}

/** The raw access of a database object made by `BulwarkDatabase.open`. */
export function rawAccess(database: object): RawAccess | undefined {
  return accessByDatabase.get(database);
}

function pgSession(client: PoolClient): RawSession {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, [...params])).rows as Row[];
    },
    async exec(text: string) {
      await client.query(text);
    },
  };
}

function pgliteSession(client: PGlite | Transaction): RawSession {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await client.query<Row>(text, [...params])).rows;
    },
    async exec(text: string) {
      await client.exec(text);
    },
  };
}

/** Raw access over a pool that hands out clients. */
export function pgRawAccess(acquire: () => Promise<PoolClient>): RawAccess {
  return {
    shared: true,
    async session(work) {
      const client = await acquire();
      let broken: Error | undefined;
      try {
        const session = pgSession(client);
        return await work(session, async (inner) => {
          await client.query('BEGIN');
          try {
            const result = await inner(session);
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch((rollback: Error) => {
              broken = rollback;
            });
            throw error;
          }
        });
      } finally {
        client.release(broken);
      }
    },
  };
}

/** Raw access over PGlite, a single in-process session. */
export function pgliteRawAccess(client: PGlite): RawAccess {
  return {
    shared: false,
    session(work) {
      return work(pgliteSession(client), (inner) =>
        client.transaction((tx) => inner(pgliteSession(tx))),
      );
    },
  };
}
