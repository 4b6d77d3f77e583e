import { ShutdownService } from '@bulwark/shutdown';
import {
  ADAPTERS,
  bootstrap,
  hasPostgres,
  type PostgresServer,
  type RunningApp,
  startPostgres,
} from '@bulwark/test-harness';
import { Logger } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BulwarkDatabase } from '../src/index.js';
import { notesApp } from './fixtures/notes-app.js';
import { createNotesDatabase, superuser, urlOf } from './support.js';

// This file stops and restarts its server, so it has its own cluster, not the shared one.
describe.skipIf(!hasPostgres())('with a server of its own', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  const envFor = (name: string, user: string) => ({
    NODE_ENV: 'production',
    DATABASE_URL: urlOf(server.port, user, `${name}-pw`, name, 'application_name=readiness-test'),
    DATABASE_CA_FILE: server.caFile,
  });
  const sessions = async (user: string): Promise<number> => {
    const admin = await superuser(server);
    try {
      const rows = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
        [user],
      );
      return rows.rows[0]?.n ?? -1;
    } finally {
      await admin.end();
    }
  };

  describe.each(ADAPTERS)('readiness on %s', (adapter) => {
    const name = `ready_${adapter}`;
    let running: RunningApp;
    beforeAll(async () => {
      const { user } = await createNotesDatabase(server, name, `${name}-pw`);
      running = await bootstrap(notesApp({ env: envFor(name, user) }), { adapter });
    });
    afterAll(() => running?.close());

    const ready = async () => (await fetch(`${running.url}/health/ready`)).status;

    it('is 503 while the server is stopped, and 200 again when it is back', async () => {
      expect(await ready()).toBe(200);
      await server.halt();
      try {
        const down = await fetch(`${running.url}/health/ready`);
        expect(down.status).toBe(503);
        expect(await down.json()).toEqual({
          status: 'error',
          details: { database: { status: 'down' } },
        });
        const query = await fetch(`${running.url}/notes`, { headers: { 'x-owner': 'outage' } });
        expect(query.status).toBe(503);
        expect(query.headers.get('retry-after')).toBe('1');
        expect(await query.json()).toMatchObject({
          type: 'urn:bulwark:problem:service-unavailable',
          detail: 'The service is unavailable; retry later.',
        });
      } finally {
        await server.restart();
      }
      await vi.waitFor(async () => expect(await ready()).toBe(200), {
        timeout: 15_000,
        interval: 50,
      });
      const query = await fetch(`${running.url}/notes`, { headers: { 'x-owner': 'outage' } });
      expect(query.status).toBe(200);
    });
  });

  describe('when the connection is lost inside a transaction', () => {
    it('fails the transaction instead of crashing the process', async () => {
      const name = 'lost_tx';
      const { user } = await createNotesDatabase(server, name, `${name}-pw`);
      const warnings = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const database = await BulwarkDatabase.open({ env: envFor(name, user) });
      try {
        let lost: () => void = () => undefined;
        const connectionLost = new Promise<void>((resolve) => {
          lost = resolve;
        });
        const transaction = database.db.transaction(async (tx) => {
          await tx.execute(sql`SELECT 1`);
          // Between two statements, the server ends every session of the role.
          const admin = await superuser(server);
          await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1',
            [user],
          );
          await admin.end();
          await connectionLost;
          await tx.execute(sql`SELECT 2`);
        });
        await vi.waitFor(
          () =>
            expect(
              warnings.mock.calls.some(([line]) =>
                String(line).startsWith('connection in use failed'),
              ),
            ).toBe(true),
          { timeout: 10_000 },
        );
        lost();
        await expect(transaction).rejects.toThrow();
        expect(await database.readiness()).toEqual({ ready: true });
      } finally {
        warnings.mockRestore();
        await database.close();
      }
    });
  });

  describe.each(ADAPTERS)('shutdown on %s', (adapter) => {
    const name = `down_${adapter}`;
    let running: RunningApp;
    let user: string;
    const exits: number[] = [];
    const order: string[] = [];
    beforeAll(async () => {
      ({ user } = await createNotesDatabase(server, name, `${name}-pw`));
      running = await bootstrap(
        notesApp({
          env: envFor(name, user),
          shutdown: {
            exit: (code) => exits.push(code),
            log: (entry) => {
              if (entry.phase === 'drain' || entry.phase === 'hook')
                order.push(`${entry.phase}: ${entry.msg}${entry.hook ? ` (${entry.hook})` : ''}`);
            },
          },
        }),
        {
          adapter,
        },
      );
    });
    afterAll(() => running?.close());

    it('closes the pool after the in-flight requests drained', async () => {
      const database = running.app.get(BulwarkDatabase);
      const close = database.close.bind(database);
      vi.spyOn(database, 'close').mockImplementation(() => {
        order.push('pool closing');
        return close();
      });
      expect(
        (await fetch(`${running.url}/notes`, { headers: { 'x-owner': 'drain' } })).status,
      ).toBe(200);
      expect(await sessions(user)).toBeGreaterThan(0);

      // The request holds a pooled session, in a statement, when the shutdown starts.
      const inFlight = fetch(`${running.url}/notes/sleep?seconds=2`).then((response) =>
        response.json(),
      );
      const admin = await superuser(server);
      try {
        await vi.waitFor(
          async () => {
            const rows = await admin.query(
              `SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND query LIKE '%pg_sleep%' AND state = 'active'`,
              [user],
            );
            expect(rows.rowCount).toBe(1);
          },
          { timeout: 10_000, interval: 20 },
        );
      } finally {
        await admin.end();
      }
      const code = await running.app.get(ShutdownService).shutdown('test');
      expect(await inFlight).toEqual({ slept: true });
      expect(code).toBe(0);
      expect(exits).toEqual([0]);
      expect(order).toEqual(['drain: drained', 'pool closing', 'hook: hook done (database)']);
      expect(database.closed).toBe(true);
      await vi.waitFor(async () => expect(await sessions(user)).toBe(0), { timeout: 10_000 });
    });
  });
});
