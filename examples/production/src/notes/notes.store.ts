import { randomUUID } from 'node:crypto';
import type { AuthorizationContext } from '@bulwark/authz';
import { Injectable } from '@nestjs/common';

/** A stored note. */
export interface Note {
  id: string;
  ownerId: string;
  title: string;
  body: string;
}

/** An in-memory store; a real service would use its database here. */
@Injectable()
export class NotesStore {
  private readonly notes = new Map<string, Note>();

  create(ownerId: string, title: string, body: string): Note {
    const note = { id: randomUUID(), ownerId, title, body };
    this.notes.set(note.id, note);
    return note;
  }

  find(filter: { ownerId?: string }, limit: number): Note[] {
    const all = [...this.notes.values()];
    return (filter.ownerId ? all.filter((n) => n.ownerId === filter.ownerId) : all).slice(0, limit);
  }

  get(id: string): Note | undefined {
    return this.notes.get(id);
  }

  delete(id: string): void {
    this.notes.delete(id);
  }
}

/** The object-level loader: reads the note once from the route's `:id`. */
@Injectable()
export class NoteLoader {
  constructor(private readonly store: NotesStore) {}
  load({ params }: AuthorizationContext): Note | undefined {
    return this.store.get(params.id ?? '');
  }
}
