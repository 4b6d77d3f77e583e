import { join } from 'node:path';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { BulwarkDatabase } from '../src/index.js';
import { notesApp } from './fixtures/notes-app.js';
import { createNotesDatabase, replaceFile, superuser, urlOf } from './support.js';

const server = inject('postgres');

describe.skipIf(!server).each(ADAPTERS)('when DATABASE_PASSWORD_FILE rotates, on %s', (adapter) => {
  const shared = server as NonNullable<typeof server>;
  const name = `rot_${adapter}`;
  const passwordFile = join(shared.workDir, `${name}.password`);
  let user: string;
  let running: RunningApp;
  let database: BulwarkDatabase;

  const list = async (): Promise<number> => {
    const response = await fetch(`${running.url}/notes`, { headers: { 'x-owner': 'rotation' } });
    return response.status;
  };
  const backends = async (): Promise<number[]> => {
    const admin = await superuser(shared);
    try {
      const rows = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE usename = $1 ORDER BY pid',
        [user],
      );
      return rows.rows.map((row) => row.pid);
    } finally {
      await admin.end();
    }
  };
  const alterPassword = async (password: string) => {
    const admin = await superuser(shared);
    try {
      await admin.query(`ALTER ROLE ${user} PASSWORD '${password}'`);
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    ({ user } = await createNotesDatabase(shared, name, 'first-password'));
    replaceFile(passwordFile, 'first-password\n');
    running = await bootstrap(
      notesApp({
        env: {
          NODE_ENV: 'production',
          DATABASE_URL: urlOf(shared.port, user, undefined, name),
          DATABASE_PASSWORD_FILE: passwordFile,
          DATABASE_CA_FILE: shared.caFile,
        },
        passwordCheckMs: 20,
      }),
      { adapter },
    );
    database = running.app.get(BulwarkDatabase);
  });
  afterAll(() => running?.close());

  it('keeps answering across ALTER ROLE … PASSWORD and a file rewrite, then recycles the old sessions', async () => {
    // Several sessions at once, all on the first password.
    expect(await Promise.all(Array.from({ length: 5 }, list))).toEqual([200, 200, 200, 200, 200]);
    const before = await backends();
    expect(before.length).toBeGreaterThan(0);

    await alterPassword('second-password');
    expect(await list()).toBe(200);
    replaceFile(passwordFile, 'second-password\n');

    await vi.waitFor(
      async () => {
        expect(await list()).toBe(200);
        expect(database.passwordRotations).toBe(1);
      },
      { timeout: 15_000, interval: 20 },
    );
    // The old pool ends once its clients are idle: its sessions go away.
    await vi.waitFor(
      async () => {
        expect(await list()).toBe(200);
        const now = await backends();
        expect(now.filter((pid) => before.includes(pid))).toEqual([]);
      },
      { timeout: 15_000, interval: 50 },
    );
    // Every session now open was opened with the second password.
    expect(await Promise.all(Array.from({ length: 5 }, list))).toEqual([200, 200, 200, 200, 200]);
    expect((await backends()).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!server)('when the server refuses the password before the file was re-read', () => {
  const shared = server as NonNullable<typeof server>;
  const name = 'rot_refused';
  const passwordFile = join(shared.workDir, `${name}.password`);

  it('re-reads the file at once and retries with the new password', async () => {
    const { user } = await createNotesDatabase(shared, name, 'old-password');
    replaceFile(passwordFile, 'old-password');
    // The periodic check is an hour away: only the refusal can make it re-read the file.
    const database = await BulwarkDatabase.open({
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: urlOf(shared.port, user, undefined, name),
        DATABASE_PASSWORD_FILE: passwordFile,
        DATABASE_CA_FILE: shared.caFile,
      },
      passwordCheckMs: 3_600_000,
    });
    try {
      const admin = await superuser(shared);
      await admin.query(`ALTER ROLE ${user} PASSWORD 'new-password'`);
      await admin.end();
      replaceFile(passwordFile, 'new-password');
      expect(await database.readiness()).toEqual({ ready: true });
      expect(database.passwordRotations).toBe(1);
    } finally {
      await database.close();
    }
  });
});
