import type { AuthorizationContext, ResourceLoader } from '@bulwark/authz';
import { Injectable } from '@nestjs/common';
import type { Note } from './note.entity.js';
import { NotesRepository } from './notes.repository.js';

/**
 * The object-level loader of `@Authorize()`: reads the note of `:id` once, before the policy
 * decides and the handler runs. `undefined` answers 404.
 */
@Injectable()
export class NoteLoader implements ResourceLoader<Note> {
  constructor(private readonly repository: NotesRepository) {}

  load({ params }: AuthorizationContext): Note | undefined {
    return this.repository.findById(params.id ?? '');
  }
}
