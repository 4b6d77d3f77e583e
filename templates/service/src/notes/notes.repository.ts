import type { Principal } from '@bulwark/core';
import { type BulwarkDatabase, InjectDatabase, scopeQuery } from '@bulwark/database';
import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt } from 'drizzle-orm';
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
 * clause (`owner_id = $1`, from `scopeQuery`), as well as the guard's policy, so a note of
 * another owner is simply not found. Values are bound parameters, never concatenated: quotes,
 * `'; DROP TABLE` and any Unicode are stored as given. Database errors (a duplicate title, a
 * NUL byte PostgreSQL refuses) become problems through `@bulwark/database`'s error mapping,
 * with no SQL, table or constraint name in the body.
 */
@Injectable()
export class NotesRepository {
  constructor(@InjectDatabase() private readonly database: BulwarkDatabase<Schema>) {}

  async insert(caller: Principal, title: string, body: string, now: Date): Promise<Note> {
    const [row] = await this.database.db
      .insert(notes)
      .values({
        id: newNoteId(now.getTime()),
        ownerId: caller.id,
        title,
        body,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return toNote(row as typeof notes.$inferSelect);
  }

  /** The caller's note `id` (any owner's for `bypassRoles`), or `undefined`. */
  async findById(caller: Principal, id: string, scope: ReadScope = {}): Promise<Note | undefined> {
    if (!isNoteId(id)) return undefined;
    const [row] = await this.database.db
      .select()
      .from(notes)
      .where(and(scopeQuery(caller, notes.ownerId, scope), eq(notes.id, id)));
    return row === undefined ? undefined : toNote(row);
  }

  /** Up to `limit` notes the caller may read, oldest first, after the cursor `after`. */
  async page(
    caller: Principal,
    limit: number,
    after: string | undefined,
    scope: ReadScope = {},
  ): Promise<Note[]> {
    const rows = await this.database.db
      .select()
      .from(notes)
      .where(
        and(
          scopeQuery(caller, notes.ownerId, scope),
          after === undefined ? undefined : gt(notes.id, after),
        ),
      )
      .orderBy(asc(notes.id))
      .limit(limit);
    return rows.map(toNote);
  }

  async update(
    caller: Principal,
    id: string,
    changes: { title?: string; body?: string },
    now: Date,
  ): Promise<Note | undefined> {
    const [row] = await this.database.db
      .update(notes)
      .set({
        ...(changes.title === undefined ? {} : { title: changes.title }),
        ...(changes.body === undefined ? {} : { body: changes.body }),
        updatedAt: now,
      })
      .where(and(scopeQuery(caller, notes.ownerId), eq(notes.id, id)))
      .returning();
    return row === undefined ? undefined : toNote(row);
  }

  async delete(caller: Principal, id: string): Promise<boolean> {
    const rows = await this.database.db
      .delete(notes)
      .where(and(scopeQuery(caller, notes.ownerId), eq(notes.id, id)))
      .returning({ id: notes.id });
    return rows.length > 0;
  }
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
