import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { SharedPostgres } from './global-setup.js';

/** A superuser connection over verified TLS, for setting up roles and inspecting sessions. */
export async function superuser(
  server: Pick<SharedPostgres, 'port' | 'superuserPassword' | 'caFile'>,
  database = 'postgres',
): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: server.port,
    user: 'postgres',
    password: server.superuserPassword,
    database,
    ssl: { ca: readFileSync(server.caFile, 'utf8'), rejectUnauthorized: true },
  });
  await client.connect();
  return client;
}

/** `postgres://user:password@127.0.0.1:port/database`. */
export function urlOf(
  port: number,
  user: string,
  password: string | undefined,
  database: string,
  query?: string,
): string {
  const credentials =
    password === undefined
      ? encodeURIComponent(user)
      : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgres://${credentials}@127.0.0.1:${port}/${database}${query ? `?${query}` : ''}`;
}

/**
 * Creates a database owned by a fresh owner role, with the four roles the scaffolded SQL
 * defines: owner (owns the objects), migrator (applies migrations), app (SELECT, INSERT,
 * UPDATE, DELETE only) and readonly (SELECT only). Default privileges of the owner give the
 * app and read-only roles their rights on tables made later by migrations.
 */
export async function createDatabaseWithRoles(
  admin: pg.Client,
  name: string,
): Promise<Record<'owner' | 'migrator' | 'app' | 'readonly', { user: string; password: string }>> {
  const roles = {
    owner: { user: `${name}_owner`, password: `owner-${name}-pw` },
    migrator: { user: `${name}_migrator`, password: `migrator-${name}-pw` },
    app: { user: `${name}_app`, password: `app-${name}-pw` },
    readonly: { user: `${name}_readonly`, password: `ro-${name}-pw` },
  };
  await admin.query(`CREATE ROLE ${roles.owner.user} NOLOGIN`);
  await admin.query(
    `CREATE ROLE ${roles.migrator.user} LOGIN PASSWORD '${roles.migrator.password}' IN ROLE ${roles.owner.user}`,
  );
  await admin.query(`ALTER ROLE ${roles.migrator.user} SET role = '${roles.owner.user}'`);
  await admin.query(`CREATE ROLE ${roles.app.user} LOGIN PASSWORD '${roles.app.password}'`);
  await admin.query(
    `CREATE ROLE ${roles.readonly.user} LOGIN PASSWORD '${roles.readonly.password}'`,
  );
  await admin.query(`CREATE DATABASE ${name} OWNER ${roles.owner.user}`);
  return roles;
}

/** Grants after the database exists; run as superuser connected to that database. */
export async function grantRoles(adminOnDb: pg.Client, name: string): Promise<void> {
  const owner = `${name}_owner`;
  await adminOnDb.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await adminOnDb.query(
    `GRANT CONNECT ON DATABASE ${name} TO ${name}_migrator, ${name}_app, ${name}_readonly`,
  );
  await adminOnDb.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  await adminOnDb.query(`ALTER SCHEMA public OWNER TO ${owner}`);
  await adminOnDb.query(`GRANT USAGE ON SCHEMA public TO ${name}_app, ${name}_readonly`);
  await adminOnDb.query(
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${name}_app`,
  );
  await adminOnDb.query(
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${name}_app`,
  );
  await adminOnDb.query(
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT ON TABLES TO ${name}_readonly`,
  );
}

/** A temporary folder of migration files. */
export function migrationsFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? '/tmp', 'bulwark-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

/** The notes table of the tests, in two migrations. */
export const NOTE_MIGRATIONS = {
  '0001_create_notes.sql': `CREATE TABLE notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id text NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT ''
);
CREATE INDEX notes_owner_idx ON notes (owner_id, id);
`,
  '0002_unique_titles.sql':
    'ALTER TABLE notes ADD CONSTRAINT notes_owner_title_key UNIQUE (owner_id, title);\n',
};

/**
 * A database with the notes table, made by the superuser, and one login role with only
 * SELECT, INSERT, UPDATE and DELETE on it.
 */
export async function createNotesDatabase(
  server: Pick<SharedPostgres, 'port' | 'superuserPassword' | 'caFile'>,
  name: string,
  password: string,
): Promise<{ user: string }> {
  const admin = await superuser(server);
  try {
    await admin.query(`CREATE ROLE ${name}_app LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const onDb = await superuser(server, name);
  try {
    for (const script of Object.values(NOTE_MIGRATIONS)) await onDb.query(script);
    await onDb.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO ${name}_app`);
  } finally {
    await onDb.end();
  }
  return { user: `${name}_app` };
}

/** Replaces a file the way a Secret volume does: a new file renamed over the old one. */
export function replaceFile(path: string, content: string): void {
  const next = `${path}.next`;
  writeFileSync(next, content);
  renameSync(next, path);
}

/** `POST /notes` on the notes fixture app as `owner` (its `x-owner` header). */
export function postNote(url: string, owner: string, body: unknown): Promise<Response> {
  return fetch(`${url}/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-owner': owner },
    body: JSON.stringify(body),
  });
}

/** `GET /notes<path>` on the notes fixture app as `owner`. */
export function getNotes(url: string, owner: string, path = ''): Promise<Response> {
  return fetch(`${url}/notes${path}`, { headers: { 'x-owner': owner } });
}
