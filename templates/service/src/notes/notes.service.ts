import type { Principal } from '@bulwark/core';
import { Inject, Injectable } from '@nestjs/common';
import type { Note, NotePage } from './note.entity.js';
import { type Clock, NOTES_CLOCK } from './notes.clock.js';
import { NotesRepository, type ReadScope } from './notes.repository.js';

/** The most notes one page may hold, whatever `limit` asks for. */
export const MAX_PAGE_SIZE = 100;
/** The page size when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * The example resource's logic. Who may touch which note is declared by the controller with
 * `@bulwark/authz` (scopes, roles, and owner or admin policies on the loaded note), and enforced
 * again by the repository, whose every query is scoped to the caller's own notes.
 */
@Injectable()
export class NotesService {
  constructor(
    private readonly repository: NotesRepository,
    @Inject(NOTES_CLOCK) private readonly clock: Clock,
  ) {}

  create(caller: Principal, input: { title: string; body: string }): Promise<Note> {
    return this.repository.insert(caller, input.title, input.body, this.clock());
  }

  /** One page of the notes the caller may read (keyset pagination on the id). */
  async list(
    caller: Principal,
    page: { limit?: number; after?: string },
    scope: ReadScope = {},
  ): Promise<NotePage> {
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const items = await this.repository.page(caller, limit, page.after, scope);
    const next = items.length === limit ? (items.at(-1)?.id ?? null) : null;
    return { items, limit, next };
  }

  async update(
    caller: Principal,
    note: Note,
    changes: { title?: string; body?: string },
  ): Promise<Note> {
    return (await this.repository.update(caller, note.id, changes, this.clock())) ?? note;
  }

  async delete(caller: Principal, note: Note): Promise<void> {
    await this.repository.delete(caller, note.id);
  }
}
