import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDatabaseWithRoles,
  grantRoles,
  migrationsFolder,
  NOTE_MIGRATIONS,
  superuser,
  urlOf,
} from './support.js';

const CLI = fileURLToPath(new URL('../dist/migrate-cli.js', import.meta.url));
const server = inject('postgres');

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bulwark-migrate', () => {
  it('refuses production without DATABASE_URL, naming it, with no stack trace', () => {
    const result = run([migrationsFolder(NOTE_MIGRATIONS)], { NODE_ENV: 'production' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'bulwark-migrate: DATABASE_URL: is required in production (embedded PGlite is for development and tests only). Set DATABASE_URL or DATABASE_URL_FILE.\n',
    );
  });

  describe.skipIf(!server)('on PostgreSQL, as the migration role', () => {
    const shared = server as NonNullable<typeof server>;
    const name = 'clispec';
    let roles: Awaited<ReturnType<typeof createDatabaseWithRoles>>;
    beforeAll(async () => {
      const admin = await superuser(shared);
      roles = await createDatabaseWithRoles(admin, name);
      await admin.end();
      const onDb = await superuser(shared, name);
      await grantRoles(onDb, name);
      await onDb.end();
    });

    it('applies the files over verified TLS, then has nothing to apply', () => {
      const folder = migrationsFolder(NOTE_MIGRATIONS);
      const secrets = migrationsFolder({ password: roles.migrator.password });
      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: urlOf(shared.port, roles.migrator.user, undefined, name),
        DATABASE_PASSWORD_FILE: `${secrets}/password`,
        DATABASE_CA_FILE: shared.caFile,
      };
      const first = run([folder], env);
      expect(first.stderr).toBe('');
      expect(first.stdout).toBe(
        [
          `bulwark-migrate: migrating postgres://127.0.0.1:${shared.port}/${name} as ${roles.migrator.user} (TLS verify-full, CA ${shared.caFile})`,
          'bulwark-migrate: applying 0001_create_notes.sql',
          'bulwark-migrate: applying 0002_unique_titles.sql',
          'bulwark-migrate: schema version 2',
          '',
        ].join('\n'),
      );
      expect(first.status).toBe(0);
      const second = run([folder], env);
      expect(second.stdout.split('\n').at(-2)).toBe(
        'bulwark-migrate: schema version 2: nothing to apply',
      );
      expect(second.status).toBe(0);
    });

    it('cannot migrate as the app role, which has no DDL rights', () => {
      const result = run([migrationsFolder({ '0001_evil.sql': 'CREATE TABLE evil (id int);\n' })], {
        NODE_ENV: 'production',
        DATABASE_URL: urlOf(shared.port, roles.app.user, roles.app.password, name),
        DATABASE_CA_FILE: shared.caFile,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe('bulwark-migrate: permission denied for schema public (42501)\n');
    });
  });
});
