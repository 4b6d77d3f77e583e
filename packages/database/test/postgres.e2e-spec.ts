import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { and, eq, sql } from 'drizzle-orm';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { latestMigrationVersion, runMigrations } from '../src/exports/migrations.js';
import { BulwarkDatabase, DatabaseError, mapDatabaseError, scopeQuery } from '../src/index.js';
import { notes, notesApp } from './fixtures/notes-app.js';
import {
  createDatabaseWithRoles,
  getNotes,
  grantRoles,
  migrationsFolder,
  NOTE_MIGRATIONS,
  postNote,
  superuser,
  urlOf,
} from './support.js';

const server = inject('postgres');

describe.skipIf(!server)('on PostgreSQL', () => {
  const shared = server as NonNullable<typeof server>;
  const name = 'pgspec';
  let admin: pg.Client;
  /** A superuser session on the test database itself. */
  let adminDb: pg.Client;
  let roles: Awaited<ReturnType<typeof createDatabaseWithRoles>>;
  let migrations: string;
  const envFor = (
    role: { user: string; password: string },
    extra: Record<string, string> = {},
  ) => ({
    NODE_ENV: 'production',
    DATABASE_URL: urlOf(shared.port, role.user, role.password, name),
    DATABASE_CA_FILE: shared.caFile,
    ...extra,
  });

  beforeAll(async () => {
    admin = await superuser(shared);
    roles = await createDatabaseWithRoles(admin, name);
    adminDb = await superuser(shared, name);
    await grantRoles(adminDb, name);
    migrations = migrationsFolder(NOTE_MIGRATIONS);
  });

  afterAll(async () => {
    await adminDb?.end();
    await admin?.end();
  });

  describe('when TLS is verify-full', () => {
    it('connects with the test CA from DATABASE_CA_FILE, over TLS', async () => {
      const database = await BulwarkDatabase.open({ env: envFor(roles.readonly) });
      try {
        const rows = await database.db.execute<{ ssl: boolean }>(
          sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`,
        );
        expect(rows.rows).toEqual([{ ssl: true }]);
        expect(database.target).toBe(
          `postgres://127.0.0.1:${shared.port}/${name} as ${roles.readonly.user} (TLS verify-full, CA ${shared.caFile})`,
        );
        expect(await database.readiness()).toEqual({ ready: true });
      } finally {
        await database.close();
      }
    });

    it('refuses a server whose certificate another CA signed', async () => {
      const database = await BulwarkDatabase.open({
        env: envFor(roles.readonly, { DATABASE_CA_FILE: shared.wrongCaFile }),
      });
      try {
        const error = await database.db.execute(sql`SELECT 1`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as { cause?: { code?: string } }).cause?.code).toBe(
          'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        );
        const readiness = await database.readiness();
        expect(readiness.ready).toBe(false);
        expect(readiness.detail).toMatch(
          /^database unreachable: unable to verify the first certificate/,
        );
      } finally {
        await database.close();
      }
    });

    it('refuses the test server with the system store (no DATABASE_CA_FILE)', async () => {
      const env = envFor(roles.readonly);
      delete (env as Record<string, string | undefined>).DATABASE_CA_FILE;
      const database = await BulwarkDatabase.open({ env });
      try {
        expect((await database.readiness()).ready).toBe(false);
      } finally {
        await database.close();
      }
    });

    it('refuses a host name the certificate does not name (127.0.0.2)', async () => {
      const env = envFor(roles.readonly, {
        DATABASE_URL: urlOf(
          shared.port,
          roles.readonly.user,
          roles.readonly.password,
          name,
        ).replace('127.0.0.1', '127.0.0.2'),
      });
      const database = await BulwarkDatabase.open({ env });
      try {
        const error = await database.db.execute(sql`SELECT 1`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as { cause?: { code?: string } }).cause?.code).toBe(
          'ERR_TLS_CERT_ALTNAME_INVALID',
        );
      } finally {
        await database.close();
      }
    });

    it('connects in plaintext to loopback only when the URL says sslmode=disable', async () => {
      const env = envFor(roles.readonly, {
        DATABASE_URL: urlOf(
          shared.port,
          roles.readonly.user,
          roles.readonly.password,
          name,
          'sslmode=disable',
        ),
      });
      delete (env as Record<string, string | undefined>).DATABASE_CA_FILE;
      const database = await BulwarkDatabase.open({ env });
      try {
        const rows = await database.db.execute<{ ssl: boolean }>(
          sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`,
        );
        expect(rows.rows).toEqual([{ ssl: false }]);
      } finally {
        await database.close();
      }
    });
  });

  describe('when migrations run as the migration role', () => {
    it('applies the versioned files once, records them, and the app role sees the tables', async () => {
      const migrator = await BulwarkDatabase.open({ env: envFor(roles.migrator) });
      try {
        const first = await runMigrations(migrator, { directory: migrations });
        expect(first).toEqual({
          applied: [
            { version: 1, name: 'create_notes' },
            { version: 2, name: 'unique_titles' },
          ],
          schemaVersion: 2,
        });
        expect(await runMigrations(migrator, { directory: migrations })).toEqual({
          applied: [],
          schemaVersion: 2,
        });
        const owner = await adminDb.query(
          `SELECT tableowner FROM pg_tables WHERE tablename = 'notes'`,
        );
        expect(owner.rows).toEqual([{ tableowner: roles.owner.user }]);
      } finally {
        await migrator.close();
      }
      expect(latestMigrationVersion(migrations)).toBe(2);
    });

    it('refuses a file edited after it was applied, and applies nothing', async () => {
      const edited = migrationsFolder({
        ...NOTE_MIGRATIONS,
        '0002_unique_titles.sql':
          '-- edited\nALTER TABLE notes ADD CONSTRAINT other UNIQUE (title);\n',
        '0003_more.sql': 'CREATE TABLE more (id int);\n',
      });
      const migrator = await BulwarkDatabase.open({ env: envFor(roles.migrator) });
      try {
        const error = await runMigrations(migrator, { directory: edited }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseError);
        expect((error as DatabaseError).code).toBe('DATABASE_MIGRATION_CHANGED');
        expect((error as DatabaseError).message).toBe(
          '0002_unique_titles.sql changed after it was applied; add a new migration instead of editing an applied one',
        );
        expect(await migrator.schemaVersion()).toBe(2);
      } finally {
        await migrator.close();
      }
    });

    it('rolls back a failing migration whole', async () => {
      const failing = migrationsFolder({
        ...NOTE_MIGRATIONS,
        '0003_half.sql': 'CREATE TABLE half (id int);\nSELECT * FROM no_such_table;\n',
      });
      const migrator = await BulwarkDatabase.open({ env: envFor(roles.migrator) });
      try {
        const error = await runMigrations(migrator, { directory: failing }).catch(
          (e: unknown) => e,
        );
        expect((error as DatabaseError).code).toBe('DATABASE_MIGRATION_FAILED');
        expect((error as DatabaseError).message).toBe(
          '0003_half.sql failed and was rolled back: relation "no_such_table" does not exist (42P01)',
        );
        const half = await adminDb.query(`SELECT to_regclass('public.half') AS t`);
        expect(half.rows).toEqual([{ t: null }]);
        expect(await migrator.schemaVersion()).toBe(2);
      } finally {
        await migrator.close();
      }
    });
  });

  describe('when the service connects as the app role', () => {
    let app: BulwarkDatabase;
    beforeAll(async () => {
      app = await BulwarkDatabase.open({ env: envFor(roles.app), expectedSchemaVersion: 2 });
    });
    afterAll(() => app.close());

    it('may SELECT, INSERT, UPDATE and DELETE', async () => {
      const [row] = await app.db
        .insert(notes)
        .values({ ownerId: 'o', title: 'role check', body: 'b' })
        .returning();
      expect(row?.title).toBe('role check');
      await app.db
        .update(notes)
        .set({ body: 'c' })
        .where(eq(notes.id, row?.id ?? 0));
      await app.db.delete(notes).where(eq(notes.id, row?.id ?? 0));
      expect(
        await app.db
          .select()
          .from(notes)
          .where(eq(notes.id, row?.id ?? 0)),
      ).toEqual([]);
    });

    it('may not DROP TABLE, CREATE TABLE, ALTER TABLE or TRUNCATE', async () => {
      for (const statement of [
        'DROP TABLE notes',
        'CREATE TABLE evil (id int)',
        'ALTER TABLE notes ADD COLUMN evil int',
        'TRUNCATE notes',
      ]) {
        const error = await app.db.execute(sql.raw(statement)).catch((e: unknown) => e);
        expect((error as { cause?: { code?: string } }).cause?.code, statement).toBe('42501');
      }
      const exists = await adminDb.query(
        `SELECT to_regclass('public.notes') IS NOT NULL AS exists`,
      );
      expect(exists.rows).toEqual([{ exists: true }]);
    });

    it('is not a superuser and cannot create roles or databases', async () => {
      const rows = await app.db.execute<{
        rolsuper: boolean;
        rolcreaterole: boolean;
        rolcreatedb: boolean;
      }>(
        sql`SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user`,
      );
      expect(rows.rows).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false }]);
    });

    it('runs with the default statement and idle-in-transaction timeouts', async () => {
      const rows = await app.db.execute<{ statement: string; idle: string }>(
        sql`SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`,
      );
      expect(rows.rows).toEqual([{ statement: '15s', idle: '30s' }]);
    });

    it('is ready when the schema version is the one it needs', async () => {
      expect(await app.readiness()).toEqual({ ready: true });
      expect(await app.checkSchemaVersion()).toEqual({
        ok: true,
        applied: 2,
        expected: 2,
        message: 'schema version 2 is the one this build needs',
      });
    });

    it('keeps the owner scope in the SQL', async () => {
      await app.db.insert(notes).values([
        { ownerId: 'scope-alice', title: 'a1', body: '' },
        { ownerId: 'scope-bob', title: 'b1', body: '' },
      ]);
      const alice = { id: 'scope-alice', roles: [] as string[] } as never;
      const query = app.db
        .select({ title: notes.title })
        .from(notes)
        .where(and(scopeQuery(alice, notes.ownerId), eq(notes.title, 'b1')));
      expect(query.toSQL()).toEqual({
        sql: 'select "title" from "notes" where ("notes"."owner_id" = $1 and "notes"."title" = $2)',
        params: ['scope-alice', 'b1'],
      });
      expect(await query).toEqual([]);
      expect(
        await app.db
          .select({ title: notes.title })
          .from(notes)
          .where(scopeQuery(alice, notes.ownerId)),
      ).toEqual([{ title: 'a1' }]);
      expect(await app.db.select().from(notes).where(scopeQuery(undefined, notes.ownerId))).toEqual(
        [],
      );
    });
  });

  describe('when the schema is older than the build', () => {
    it('refuses readiness, naming both versions', async () => {
      const database = await BulwarkDatabase.open({
        env: envFor(roles.app),
        expectedSchemaVersion: 3,
      });
      try {
        expect(await database.readiness()).toEqual({
          ready: false,
          detail:
            'schema version 2 is applied but this build needs version 3: run the migrations (npm run migrate) before this version takes traffic',
        });
      } finally {
        await database.close();
      }
    });
  });

  describe('when embeddedMigrations is set on PostgreSQL', () => {
    it('ignores it: only bulwark-migrate migrates a server', async () => {
      const extra = migrationsFolder({
        ...NOTE_MIGRATIONS,
        '0003_more.sql': 'CREATE TABLE more (id int);\n',
      });
      const database = await BulwarkDatabase.open({
        env: envFor(roles.migrator),
        embeddedMigrations: extra,
      });
      try {
        expect(await database.schemaVersion()).toBe(2);
        const more = await adminDb.query(`SELECT to_regclass('public.more')::text AS t`);
        expect(more.rows).toEqual([{ t: null }]);
      } finally {
        await database.close();
      }
    });
  });

  describe('when a statement runs past statementTimeoutMs', () => {
    it('is cancelled by the server and becomes a 503 problem', async () => {
      const database = await BulwarkDatabase.open({
        env: envFor(roles.app),
        statementTimeoutMs: 50,
      });
      try {
        const error = await database.db.execute(sql`SELECT pg_sleep(5)`).catch((e: unknown) => e);
        const problem = mapDatabaseError(error) as { getStatus(): number; reason: string };
        expect(problem.getStatus()).toBe(503);
        expect(problem.reason).toBe('database error 57014');
      } finally {
        await database.close();
      }
    });
  });

  describe.each(ADAPTERS)('over HTTP on %s', (adapter) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await bootstrap(notesApp({ env: envFor(roles.app), expectedSchemaVersion: 2 }), {
        adapter,
      });
    });
    afterAll(() => running?.close());

    const post = (owner: string, body: unknown) => postNote(running.url, owner, body);

    it('round-trips hostile strings exactly, bound as parameters', async () => {
      const hostile = [
        "it's",
        "'; DROP TABLE notes; --",
        "\\'; DELETE FROM notes WHERE ''='",
        "$1 $$ $tag$ E'\\x00'",
        '"quoted" `back` %s %d \\n',
        `${'Ω≈ç√∫˜µ≤≥÷ 🛡️ 日本語 '.repeat(2000)}end`,
      ];
      for (const [index, body] of hostile.entries()) {
        const created = await post(`hostile-${adapter}`, { title: `hostile ${index}`, body });
        expect(created.status, body.slice(0, 40)).toBe(201);
        const { id } = (await created.json()) as { id: number };
        const read = await getNotes(running.url, `hostile-${adapter}`, `/${id}`);
        expect(((await read.json()) as { body: string }).body).toBe(body);
        const search = await getNotes(
          running.url,
          `hostile-${adapter}`,
          `/search?title=${encodeURIComponent(`hostile ${index}`)}`,
        );
        expect(await search.json()).toEqual({ count: 1 });
      }
      const injected = await getNotes(
        running.url,
        `hostile-${adapter}`,
        `/search?title=${encodeURIComponent("x' OR '1'='1")}`,
      );
      expect(await injected.json()).toEqual({ count: 0 });
      const table = await adminDb.query(
        `SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'notes'`,
      );
      expect(table.rows).toEqual([{ n: 1 }]);
    });

    it('answers a NUL byte with a 400 problem, never a 500', async () => {
      const response = await post(`nul-${adapter}`, { title: 'nul', body: 'before\u0000after' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ type: 'urn:bulwark:problem:bad-request', status: 400 });
      expect(`${body.title} ${body.detail}`).not.toMatch(/notes|insert|0x00|UTF8|owner_id/i);
      expect(Object.keys(body).sort()).toEqual([
        'detail',
        'instance',
        'requestId',
        'status',
        'title',
        'type',
      ]);
    });

    it('answers a title too long for the unique index with a 400 problem', async () => {
      // Distinct characters, so that the index entry cannot be compressed under its limit.
      const title = Array.from({ length: 20_000 }, (_, i) =>
        String.fromCodePoint(0x4e00 + ((i * 7919) % 20_000)),
      ).join('');
      const response = await post(`long-${adapter}`, { title, body: '' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ type: 'urn:bulwark:problem:bad-request', status: 400 });
      expect(`${body.title} ${body.detail}`).not.toMatch(/notes|index|btree|owner_id/i);
    });

    it('answers a unique violation with 409, naming no table or constraint', async () => {
      expect((await post(`dup-${adapter}`, { title: 'same', body: '' })).status).toBe(201);
      const response = await post(`dup-${adapter}`, { title: 'same', body: '' });
      expect(response.status).toBe(409);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        type: 'urn:bulwark:problem:conflict',
        title: 'Conflict',
        status: 409,
        detail: 'A resource with the same unique value already exists.',
      });
      expect(`${body.title} ${body.detail}`).not.toMatch(
        /notes|owner_title|constraint|insert|duplicate key/i,
      );
      expect(Object.keys(body).sort()).toEqual([
        'detail',
        'instance',
        'requestId',
        'status',
        'title',
        'type',
      ]);
    });

    it("gives 404 for another owner's note, as the SQL scope finds nothing", async () => {
      const created = await post(`alice-${adapter}`, { title: 'mine', body: 'secret' });
      const { id } = (await created.json()) as { id: number };
      const other = await getNotes(running.url, `mallory-${adapter}`, `/${id}`);
      expect(other.status).toBe(404);
      const list = await getNotes(running.url, `mallory-${adapter}`);
      expect(await list.json()).toEqual({ items: [] });
    });

    it('is ready on /health/ready', async () => {
      const response = await fetch(`${running.url}/health/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    });
  });
});
