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
 *
 * Each owner's notes and titles are indexed, so no request walks every note: a write checks its
 * title in the owner's set, and a page reads the owner's notes from the cursor on. Maps keep
 * insertion order, and note ids grow with every note this process makes (`newNoteId`), so both
 * maps iterate oldest first, the order of the keyset pagination on `id`.
 */
@Injectable()
export class NotesRepository {
  /** Every note, oldest first. */
  private readonly notes = new Map<string, Note>();
  /** Per owner: their notes, oldest first, and the titles taken. */
  private readonly owners = new Map<string, { notes: Map<string, Note>; titles: Set<string> }>();

  async insert(caller: Principal, title: string, body: string, now: Date): Promise<Note> {
    const owner = this.ownerOf(caller.id);
    refuseDuplicate(owner.titles, title);
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
    owner.notes.set(note.id, note);
    owner.titles.add(title);
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
    const source = bypasses(caller, scope) ? this.notes : this.owners.get(caller.id)?.notes;
    const page: Note[] = [];
    if (source === undefined) return page;
    for (const note of source.values()) {
      if (page.length >= limit) break;
      if (after === undefined || note.id > after) page.push(note);
    }
    return page;
  }

  async update(
    caller: Principal,
    id: string,
    changes: { title?: string; body?: string },
    now: Date,
  ): Promise<Note | undefined> {
    const current = this.notes.get(id);
    const owner = this.owners.get(caller.id);
    if (current === undefined || owner === undefined || current.ownerId !== caller.id) {
      return undefined;
    }
    if (changes.title !== undefined && changes.title !== current.title) {
      refuseDuplicate(owner.titles, changes.title);
      owner.titles.delete(current.title);
      owner.titles.add(changes.title);
    }
    const next: Note = {
      ...current,
      ...(changes.title === undefined ? {} : { title: changes.title }),
      ...(changes.body === undefined ? {} : { body: changes.body }),
      updatedAt: now.toISOString(),
    };
    this.notes.set(id, next);
    owner.notes.set(id, next);
    return next;
  }

  async delete(caller: Principal, id: string): Promise<boolean> {
    const current = this.notes.get(id);
    const owner = this.owners.get(caller.id);
    if (current === undefined || owner === undefined || current.ownerId !== caller.id) {
      return false;
    }
    owner.notes.delete(id);
    owner.titles.delete(current.title);
    return this.notes.delete(id);
  }

  private ownerOf(ownerId: string): { notes: Map<string, Note>; titles: Set<string> } {
    let owner = this.owners.get(ownerId);
    if (owner === undefined) {
      owner = { notes: new Map(), titles: new Set() };
      this.owners.set(ownerId, owner);
    }
    return owner;
  }
}

/** A title is unique per owner: a second note with the same title answers 409. */
function refuseDuplicate(titles: ReadonlySet<string>, title: string): void {
  if (titles.has(title)) throw new ConflictException('a note with this title already exists');
}

function bypasses(caller: Principal, scope: ReadScope): boolean {
  const bypass = scope.bypassRoles ?? [];
  return bypass.length > 0 && caller.roles.some((role) => bypass.includes(role));
}

function visible(caller: Principal, note: Note, scope: ReadScope): boolean {
  return note.ownerId === caller.id || bypasses(caller, scope);
}
