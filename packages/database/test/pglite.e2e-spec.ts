import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../src/exports/migrations.js';
import { BulwarkDatabase, DatabaseError } from '../src/index.js';
import { notes, notesApp } from './fixtures/notes-app.js';
import { getNotes, migrationsFolder, NOTE_MIGRATIONS, postNote } from './support.js';

// PGlite starts a WebAssembly PostgreSQL: allow it time on a loaded machine.
const SLOW = 120_000;
const migrations = migrationsFolder(NOTE_MIGRATIONS);

describe('on embedded PGlite', () => {
  describe('when no DATABASE_URL is set outside production', () => {
    let database: BulwarkDatabase;
    beforeAll(async () => {
      database = await BulwarkDatabase.open({
        env: { NODE_ENV: 'test' },
        embedded: 'memory',
        expectedSchemaVersion: 2,
      });
    }, SLOW);
    afterAll(() => database?.close());

    it('is PGlite in memory', () => {
      expect(database.engine).toBe('pglite');
      expect(database.target).toBe('pglite (memory)');
    });

    it('refuses readiness before the migrations, naming both versions', async () => {
      expect(await database.readiness()).toEqual({
        ready: false,
        detail:
          'schema version 0 is applied but this build needs version 2: run the migrations (npm run migrate) before this version takes traffic',
      });
    });

    it('applies the migrations once and becomes ready', async () => {
      expect(await runMigrations(database, { directory: migrations })).toEqual({
        applied: [
          { version: 1, name: 'create_notes' },
          { version: 2, name: 'unique_titles' },
        ],
        schemaVersion: 2,
      });
      expect(await runMigrations(database, { directory: migrations })).toEqual({
        applied: [],
        schemaVersion: 2,
      });
      expect(await database.readiness()).toEqual({ ready: true });
    });

    it('rolls back a failing migration whole', async () => {
      const failing = migrationsFolder({
        ...NOTE_MIGRATIONS,
        '0003_half.sql': 'CREATE TABLE half (id int);\nSELECT * FROM nope;\n',
      });
      const error = await runMigrations(database, { directory: failing }).catch((e: unknown) => e);
      expect((error as DatabaseError).code).toBe('DATABASE_MIGRATION_FAILED');
      expect(error).toBeInstanceOf(DatabaseError);
      expect(await database.schemaVersion()).toBe(2);
      const half = await database.db.execute<{ t: string | null }>(
        sql`SELECT to_regclass('public.half')::text AS t`,
      );
      expect(half.rows).toEqual([{ t: null }]);
    });

    it(
      'closes, after which readiness is refused',
      async () => {
        const other = await BulwarkDatabase.open({ env: {}, embedded: 'memory' });
        await other.close();
        await other.close();
        expect(other.closed).toBe(true);
        expect(await other.readiness()).toEqual({
          ready: false,
          detail: 'the database pool is closed',
        });
      },
      SLOW,
    );
  });

  describe('when embeddedMigrations is set', () => {
    it(
      'applies them as it opens, so that the service is ready with no separate step',
      async () => {
        const database = await BulwarkDatabase.open({
          env: { NODE_ENV: 'development' },
          embedded: 'memory',
          embeddedMigrations: migrations,
          expectedSchemaVersion: 2,
        });
        try {
          expect(await database.readiness()).toEqual({ ready: true });
          expect(await database.schemaVersion()).toBe(2);
        } finally {
          await database.close();
        }
      },
      SLOW,
    );
  });

  describe('when persisted in a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-pglite-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(
      'keeps the schema and rows across a restart',
      async () => {
        const first = await BulwarkDatabase.open({ env: {}, embedded: join(dir, 'pglite') });
        await runMigrations(first, { directory: migrations });
        await first.db.insert(notes).values({ ownerId: 'o', title: 'kept', body: "it's kept" });
        await first.close();
        const second = await BulwarkDatabase.open({ env: {}, embedded: join(dir, 'pglite') });
        try {
          expect(await second.schemaVersion()).toBe(2);
          expect(
            await second.db.select({ body: notes.body }).from(notes).where(eq(notes.title, 'kept')),
          ).toEqual([{ body: "it's kept" }]);
        } finally {
          await second.close();
        }
      },
      SLOW,
    );
  });

  describe('when a newer migration is applied while it serves (a rolling update)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-pglite-rolling-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const next = migrationsFolder({
      ...NOTE_MIGRATIONS,
      '0003_add_tags.sql': "ALTER TABLE notes ADD COLUMN tags text NOT NULL DEFAULT '';\n",
    });

    it(
      'stays ready once it matched, but a new process of the same build refuses, naming both',
      async () => {
        const options = { env: {}, embedded: join(dir, 'pglite'), expectedSchemaVersion: 2 };
        const serving = await BulwarkDatabase.open(options);
        try {
          expect(await serving.readiness()).toMatchObject({ ready: false });
          await runMigrations(serving, { directory: migrations });
          expect(await serving.readiness()).toEqual({ ready: true });
          // The migration Job of the next release applies version 3: the old build keeps
          // serving (no outage before the new pods are ready), its queries still valid.
          await runMigrations(serving, { directory: next });
          expect(await serving.schemaVersion()).toBe(3);
          expect(await serving.readiness()).toEqual({ ready: true });
          await serving.db.insert(notes).values({ ownerId: 'o', title: 't', body: 'b' });
        } finally {
          await serving.close();
        }
        // An old pod that starts now (a restart, a scale-up) never takes traffic on it.
        const late = await BulwarkDatabase.open(options);
        try {
          expect(await late.readiness()).toEqual({
            ready: false,
            detail:
              'schema version 3 is applied but this build needs version 2: this build is older than the schema; deploy the build made for it',
          });
        } finally {
          await late.close();
        }
      },
      SLOW,
    );
  });

  describe.each(ADAPTERS)('over HTTP on %s', (adapter) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await bootstrap(
        notesApp({ env: { NODE_ENV: 'test' }, embedded: 'memory', expectedSchemaVersion: 2 }),
        { adapter },
      );
      expect((await fetch(`${running.url}/health/ready`)).status).toBe(503);
      await runMigrations(running.app.get(BulwarkDatabase), { directory: migrations });
    }, SLOW);
    afterAll(() => running?.close());

    const post = (owner: string, body: unknown) => postNote(running.url, owner, body);

    it('is ready once migrated', async () => {
      expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    });

    it('round-trips hostile strings exactly', async () => {
      const hostile = [
        "it's",
        "'; DROP TABLE notes; --",
        '$1 $$ \\x00 "q" `b`',
        `${'Ω≈ç√ 🛡️ 日本語 '.repeat(3000)}end`,
      ];
      for (const [index, body] of hostile.entries()) {
        const created = await post('hostile', { title: `h${index}`, body });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: number };
        const read = await getNotes(running.url, 'hostile', `/${id}`);
        expect(((await read.json()) as { body: string }).body).toBe(body);
      }
      const injected = await getNotes(
        running.url,
        'hostile',
        `/search?title=${encodeURIComponent("x' OR '1'='1")}`,
      );
      expect(await injected.json()).toEqual({ count: 0 });
    });

    it('answers a NUL byte with a 400 problem', async () => {
      const response = await post('nul', { title: 'nul', body: 'a\u0000b' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ type: 'urn:bulwark:problem:bad-request', status: 400 });
      expect(Object.keys(body).sort()).toEqual([
        'detail',
        'instance',
        'requestId',
        'status',
        'title',
        'type',
      ]);
    });

    it('answers a unique violation with 409, naming no constraint', async () => {
      expect((await post('dup', { title: 'same', body: '' })).status).toBe(201);
      const response = await post('dup', { title: 'same', body: '' });
      expect(response.status).toBe(409);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        type: 'urn:bulwark:problem:conflict',
        detail: 'A resource with the same unique value already exists.',
      });
      expect(`${body.title} ${body.detail}`).not.toMatch(
        /notes|owner_title|constraint|duplicate key/i,
      );
    });

    it("gives 404 for another owner's note", async () => {
      const { id } = (await (await post('alice', { title: 'mine', body: '' })).json()) as {
        id: number;
      };
      expect(
        (await fetch(`${running.url}/notes/${id}`, { headers: { 'x-owner': 'mallory' } })).status,
      ).toBe(404);
      expect(
        (await fetch(`${running.url}/notes/${id}`, { headers: { 'x-owner': 'alice' } })).status,
      ).toBe(200);
    });
  });
});
