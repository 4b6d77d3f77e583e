import type { Principal } from '@bulwark/core';
import { ProblemException } from '@bulwark/core';
import { Inject, Injectable } from '@nestjs/common';
import type { Note, NotePage } from './note.entity.js';
import { type Clock, NOTES_CLOCK } from './notes.clock.js';
import { NotesRepository } from './notes.repository.js';

/** The most notes one page may hold, whatever `limit` asks for. */
export const MAX_PAGE_SIZE = 100;
/** The page size when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * The example resource's rules. Object-level access is decided here, on the loaded note:
 * the owner may do anything, role `admin` may read any note, and anyone else is told the note
 * does not exist (404, not 403, so ids of other people's notes cannot be probed).
 */
@Injectable()
export class NotesService {
  constructor(
    private readonly repository: NotesRepository,
    @Inject(NOTES_CLOCK) private readonly clock: Clock,
  ) {}

  create(caller: Principal, input: { title: string; body: string }): Note {
    return this.repository.insert(caller.id, input.title, input.body, this.clock());
  }

  listOwn(caller: Principal, page: { limit?: number; offset?: number }): NotePage {
    return paginate(this.repository.list(caller.id), page);
  }

  listAll(caller: Principal, page: { limit?: number; offset?: number }): NotePage {
    if (!caller.roles.includes('admin')) throw forbidden();
    return paginate(this.repository.list(undefined), page);
  }

  get(caller: Principal, id: string): Note {
    const note = this.repository.findById(id);
    if (note === undefined) throw notFound();
    if (note.owner !== caller.id && !caller.roles.includes('admin')) throw notFound();
    return note;
  }

  update(caller: Principal, id: string, changes: { title?: string; body?: string }): Note {
    this.ownedBy(caller, id);
    return this.repository.update(id, changes, this.clock()) as Note;
  }

  delete(caller: Principal, id: string): void {
    this.ownedBy(caller, id);
    this.repository.delete(id);
  }

  private ownedBy(caller: Principal, id: string): Note {
    const note = this.repository.findById(id);
    if (note === undefined || note.owner !== caller.id) throw notFound();
    return note;
  }
}

function paginate(notes: readonly Note[], page: { limit?: number; offset?: number }): NotePage {
  const limit = Math.min(Math.max(page.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const offset = Math.max(page.offset ?? 0, 0);
  return { items: notes.slice(offset, offset + limit), limit, offset, total: notes.length };
}

function notFound(): ProblemException {
  return new ProblemException({
    kind: 'not-found',
    status: 404,
    title: 'Not Found',
    detail: 'No note with this id.',
  });
}

function forbidden(): ProblemException {
  return new ProblemException({
    kind: 'forbidden',
    status: 403,
    title: 'Forbidden',
    detail: 'This requires the admin role.',
    reason: 'missing role admin',
  });
}
