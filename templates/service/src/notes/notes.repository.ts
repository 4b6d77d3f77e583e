import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Note } from './note.entity.js';

/** A filter on stored notes: every given field must match. */
export type NoteFilter = Partial<Pick<Note, 'ownerId'>>;

/** Where notes live. The example keeps them in memory; swap this class for a database. */
@Injectable()
export class NotesRepository {
  private readonly notes = new Map<string, Note>();

  insert(ownerId: string, title: string, body: string, now: Date): Note {
    const at = now.toISOString();
    const note: Note = { id: randomUUID(), ownerId, title, body, createdAt: at, updatedAt: at };
    this.notes.set(note.id, note);
    return note;
  }

  findById(id: string): Note | undefined {
    return this.notes.get(id);
  }

  /** Notes matching the filter, in creation order. */
  find(filter: NoteFilter): Note[] {
    const all = [...this.notes.values()];
    return filter.ownerId === undefined ? all : all.filter((n) => n.ownerId === filter.ownerId);
  }

  update(id: string, changes: { title?: string; body?: string }, now: Date): Note | undefined {
    const current = this.notes.get(id);
    if (current === undefined) return undefined;
    const next: Note = {
      ...current,
      ...(changes.title === undefined ? {} : { title: changes.title }),
      ...(changes.body === undefined ? {} : { body: changes.body }),
      updatedAt: now.toISOString(),
    };
    this.notes.set(id, next);
    return next;
  }

  delete(id: string): boolean {
    return this.notes.delete(id);
  }
}
