import type { AuthorizationContext, ResourceLoader } from '@bulwark/authz/policies';
import { mapDatabaseError } from '@bulwark/database';
import { Injectable } from '@nestjs/common';
import type { Note } from './note.entity.js';
import { NotesRepository } from './notes.repository.js';

/** The action whose loads may read any owner's note, for role `admin`. */
const ADMIN_READ = 'notes:read';

/**
 * The object-level loader of `@Authorize()`: reads the note of `:id` once, before the policy
 * decides and the handler runs. The read is scoped to the caller's own notes in the SQL (and to
 * every note for an admin reading), so another owner's note is `undefined`: 404, exactly as a
 * note that does not exist. It runs in a guard, outside the handler's error mapping, so
 * database errors are mapped here.
 */
@Injectable()
export class NoteLoader implements ResourceLoader<Note> {
  constructor(private readonly repository: NotesRepository) {}

  async load({ principal, action, params }: AuthorizationContext): Promise<Note | undefined> {
    try {
      return await this.repository.findById(principal, params.id ?? '', {
        bypassRoles: action === ADMIN_READ ? ['admin'] : [],
      });
    } catch (error) {
      throw mapDatabaseError(error);
    }
  }
}
