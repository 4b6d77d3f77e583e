import type { Principal } from '@bulwark/core';
import { type BulwarkDatabase, InjectDatabase } from '@bulwark/database';
import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Schema } from '../database/schema.js';
import type { Note } from './note.entity.js';
import { isNoteId, newNoteId } from './note-id.js';
import { notes } from './notes.table.js';

/** Which notes a read may see beyond the caller's own. */
export interface ReadScope {
  /** Roles that read every owner's notes (the admin read). @default [] */
  readonly bypassRoles?: readonly string[];
}

/**
 * Where notes live: the `notes` table. Every query carries the owner scope in its `WHERE`
 * clause (`owner_id = $1`, as `scopeQuery` from `@bulwark/database` would write it), as well as
 * the guard's policy, so a note of another owner is simply not found. Values are bound
 * parameters, never concatenated: quotes, `'; DROP TABLE` and any Unicode are stored as given.
 * Database errors (a duplicate title, a NUL byte PostgreSQL refuses) become problems through
 * `@bulwark/database`'s error mapping, with no SQL, table or constraint name in the body.
 *
 * Each query is built once, when the repository is created, as a prepared query with
 * placeholders (`sql.placeholder`), and executed with the request's values: Drizzle does not
 * rebuild the SQL on every request, and PostgreSQL parses and plans each statement once per
 * connection (named prepared statements; behind PgBouncer, use session pooling or PgBouncer
 * 1.21+ with `max_prepared_statements`).
 */
@Injectable()
export class NotesRepository {
  private readonly queries: ReturnType<typeof prepareQueries>;

  constructor(@InjectDatabase() database: BulwarkDatabase<Schema>) {
    this.queries = prepareQueries(database.db);
  }

  async insert(caller: Principal, title: string, body: string, now: Date): Promise<Note> {
    const [row] = await this.queries.insert.execute({
      id: newNoteId(now.getTime()),
      owner: caller.id,
      title,
      body,
      now,
    });
    return toNote(row as typeof notes.$inferSelect);
  }

  /** The caller's note `id` (any owner's for `bypassRoles`), or `undefined`. */
  async findById(caller: Principal, id: string, scope: ReadScope = {}): Promise<Note | undefined> {
    const owner = ownerScope(caller, scope);
    if (owner === NOBODY || !isNoteId(id)) return undefined;
    const [row] =
      owner === EVERYONE
        ? await this.queries.findAny.execute({ id })
        : await this.queries.findOwn.execute({ owner, id });
    return row === undefined ? undefined : toNote(row);
  }

  /** Up to `limit` notes the caller may read, oldest first, after the cursor `after`. */
  async page(
    caller: Principal,
    limit: number,
    after: string | undefined,
    scope: ReadScope = {},
  ): Promise<Note[]> {
    const owner = ownerScope(caller, scope);
    if (owner === NOBODY) return [];
    const { queries } = this;
    const rows =
      owner === EVERYONE
        ? after === undefined
          ? await queries.pageAny.execute({ limit })
          : await queries.pageAnyAfter.execute({ limit, after })
        : after === undefined
          ? await queries.pageOwn.execute({ owner, limit })
          : await queries.pageOwnAfter.execute({ owner, limit, after });
    return rows.map(toNote);
  }

  async update(
    caller: Principal,
    id: string,
    changes: { title?: string; body?: string },
    now: Date,
  ): Promise<Note | undefined> {
    const owner = ownerScope(caller);
    if (owner === NOBODY || owner === EVERYONE) return undefined;
    // A field left out keeps its value: null makes COALESCE take the stored one.
    const [row] = await this.queries.update.execute({
      owner,
      id,
      title: changes.title ?? null,
      body: changes.body ?? null,
      now: now.toISOString(),
    });
    return row === undefined ? undefined : toNote(row);
  }

  async delete(caller: Principal, id: string): Promise<boolean> {
    const owner = ownerScope(caller);
    if (owner === NOBODY || owner === EVERYONE) return false;
    const rows = await this.queries.delete.execute({ owner, id });
    return rows.length > 0;
  }
}

const NOBODY = Symbol('no row');
const EVERYONE = Symbol('every row');

/**
 * The owner a query is scoped to, as `scopeQuery` decides it: nobody for an anonymous caller or
 * one without an id, every owner for a caller holding one of `bypassRoles`, else the caller.
 */
function ownerScope(
  caller: Principal | undefined,
  scope: ReadScope = {},
): string | typeof NOBODY | typeof EVERYONE {
  if (caller === undefined || caller === null) return NOBODY;
  const bypass = scope.bypassRoles ?? [];
  if (bypass.length > 0 && caller.roles.some((role) => bypass.includes(role))) return EVERYONE;
  return typeof caller.id === 'string' && caller.id !== '' ? caller.id : NOBODY;
}

/** Every query of the repository, built once with placeholders for the values of a request. */
function prepareQueries(db: BulwarkDatabase<Schema>['db']) {
  const owner = sql.placeholder('owner');
  const id = sql.placeholder('id');
  const limit = sql.placeholder('limit');
  const after = sql.placeholder('after');
  const now = sql.placeholder('now');
  const ownNote = and(eq(notes.ownerId, owner), eq(notes.id, id));
  return {
    insert: db
      .insert(notes)
      .values({
        id,
        ownerId: owner,
        title: sql.placeholder('title'),
        body: sql.placeholder('body'),
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .prepare('notes_insert'),
    findOwn: db.select().from(notes).where(ownNote).prepare('notes_find_own'),
    findAny: db.select().from(notes).where(eq(notes.id, id)).prepare('notes_find_any'),
    pageOwn: db
      .select()
      .from(notes)
      .where(eq(notes.ownerId, owner))
      .orderBy(asc(notes.id))
      .limit(limit)
      .prepare('notes_page_own'),
    pageOwnAfter: db
      .select()
      .from(notes)
      .where(and(eq(notes.ownerId, owner), gt(notes.id, after)))
      .orderBy(asc(notes.id))
      .limit(limit)
      .prepare('notes_page_own_after'),
    pageAny: db.select().from(notes).orderBy(asc(notes.id)).limit(limit).prepare('notes_page_any'),
    pageAnyAfter: db
      .select()
      .from(notes)
      .where(gt(notes.id, after))
      .orderBy(asc(notes.id))
      .limit(limit)
      .prepare('notes_page_any_after'),
    update: db
      .update(notes)
      .set({
        title: sql`coalesce(${sql.placeholder('title')}::text, ${notes.title})`,
        body: sql`coalesce(${sql.placeholder('body')}::text, ${notes.body})`,
        // Drizzle's update types take no placeholder for a column; the value is an ISO string.
        updatedAt: sql`${now}::timestamptz`,
      })
      .where(ownNote)
      .returning()
      .prepare('notes_update'),
    delete: db.delete(notes).where(ownNote).returning({ id: notes.id }).prepare('notes_delete'),
  };
}

function toNote(row: typeof notes.$inferSelect): Note {
  return {
    id: row.id,
    ownerId: row.ownerId,
    title: row.title,
    body: row.body,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
