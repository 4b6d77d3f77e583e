import type { Principal } from '@bulwark/core';
import { ConflictException, Injectable } from '@nestjs/common';
import type { Note } from './note.entity.js';
import { newNoteId } from './note-id.js';

/** Which notes a read may see beyond the caller's own. */
export interface ReadScope {
  /** Roles that read every owner's notes (the admin read). @default [] */
  readonly bypassRoles?: readonly string[];
}

/**
 * Where notes live: in memory (`create-bulwark --db none`), lost on restart. Every method is
 * scoped to the caller's own notes, as a database query would be in its `WHERE` clause, so a
 * note of another owner is simply not found. Swap this class for a database when you add one
 * (`create-bulwark --db postgres` generates that version).
 */
@Injectable()
export class NotesRepository {
  private readonly notes = new Map<string, Note>();

  async insert(caller: Principal, title: string, body: string, now: Date): Promise<Note> {
    this.refuseDuplicate(caller.id, title);
    const at = now.toISOString();
    const note: Note = {
      id: newNoteId(now.getTime()),
      ownerId: caller.id,
      title,
      body,
      createdAt: at,
      updatedAt: at,
    };
    this.notes.set(note.id, note);
    return note;
  }

  /** The caller's note `id` (any owner's for `bypassRoles`), or `undefined`. */
  async findById(caller: Principal, id: string, scope: ReadScope = {}): Promise<Note | undefined> {
    const note = this.notes.get(id);
    return note !== undefined && visible(caller, note, scope) ? note : undefined;
  }

  /** Up to `limit` notes the caller may read, oldest first, after the cursor `after`. */
  async page(
    caller: Principal,
    limit: number,
    after: string | undefined,
    scope: ReadScope = {},
  ): Promise<Note[]> {
    return [...this.notes.values()]
      .filter((note) => visible(caller, note, scope) && (after === undefined || note.id > after))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  async update(
    caller: Principal,
    id: string,
    changes: { title?: string; body?: string },
    now: Date,
  ): Promise<Note | undefined> {
    const current = this.notes.get(id);
    if (current === undefined || current.ownerId !== caller.id) return undefined;
    if (changes.title !== undefined && changes.title !== current.title) {
      this.refuseDuplicate(caller.id, changes.title);
    }
    const next: Note = {
      ...current,
      ...(changes.title === undefined ? {} : { title: changes.title }),
      ...(changes.body === undefined ? {} : { body: changes.body }),
      updatedAt: now.toISOString(),
    };
    this.notes.set(id, next);
    return next;
  }

  async delete(caller: Principal, id: string): Promise<boolean> {
    const current = this.notes.get(id);
    if (current === undefined || current.ownerId !== caller.id) return false;
    return this.notes.delete(id);
  }

  /** A title is unique per owner: a second note with the same title answers 409. */
  private refuseDuplicate(ownerId: string, title: string): void {
    for (const note of this.notes.values()) {
      if (note.ownerId === ownerId && note.title === title) {
        throw new ConflictException('a note with this title already exists');
      }
    }
  }
}

function visible(caller: Principal, note: Note, scope: ReadScope): boolean {
  const bypass = scope.bypassRoles ?? [];
  return note.ownerId === caller.id || caller.roles.some((role) => bypass.includes(role));
}
