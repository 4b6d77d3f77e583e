import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Note } from './note.entity.js';

/** Where notes live. The example keeps them in memory; swap this class for a database. */
@Injectable()
export class NotesRepository {
  private readonly notes = new Map<string, Note>();

  insert(owner: string, title: string, body: string, now: Date): Note {
    const at = now.toISOString();
    const note: Note = { id: randomUUID(), owner, title, body, createdAt: at, updatedAt: at };
    this.notes.set(note.id, note);
    return note;
  }

  findById(id: string): Note | undefined {
    return this.notes.get(id);
  }

  /** Notes in creation order, optionally of one owner only. */
  list(owner: string | undefined): Note[] {
    const all = [...this.notes.values()];
    return owner === undefined ? all : all.filter((note) => note.owner === owner);
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
