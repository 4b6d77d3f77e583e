import { Inject, Injectable } from '@nestjs/common';
import type { Note, NotePage } from './note.entity.js';
import { type Clock, NOTES_CLOCK } from './notes.clock.js';
import { type NoteFilter, NotesRepository } from './notes.repository.js';

/** The most notes one page may hold, whatever `limit` asks for. */
export const MAX_PAGE_SIZE = 100;
/** The page size when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * The example resource's logic. Who may touch which note is not decided here: the controller
 * declares it with `@bulwark/authz` (scopes, roles, and owner or admin policies on the loaded
 * note), and lists are filtered by `scopeQuery()` before they reach {@link NotesService.list}.
 */
@Injectable()
export class NotesService {
  constructor(
    private readonly repository: NotesRepository,
    @Inject(NOTES_CLOCK) private readonly clock: Clock,
  ) {}

  create(ownerId: string, input: { title: string; body: string }): Note {
    return this.repository.insert(ownerId, input.title, input.body, this.clock());
  }

  list(filter: NoteFilter, page: { limit?: number; offset?: number }): NotePage {
    const notes = this.repository.find(filter);
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const offset = Math.max(page.offset ?? 0, 0);
    return { items: notes.slice(offset, offset + limit), limit, offset, total: notes.length };
  }

  update(note: Note, changes: { title?: string; body?: string }): Note {
    return this.repository.update(note.id, changes, this.clock()) ?? note;
  }

  delete(note: Note): void {
    this.repository.delete(note.id);
  }
}
