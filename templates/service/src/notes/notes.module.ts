import { Module } from '@nestjs/common';
import { NOTES_CLOCK } from './notes.clock.js';
import { AdminNotesController, NoteController, NotesController } from './notes.controller.js';
import { NoteLoader } from './notes.loader.js';
import { NotesRepository } from './notes.repository.js';
import { NotesService } from './notes.service.js';

/** The example `notes` resource (omitted with `create-bulwark --no-example`). */
@Module({
  controllers: [NotesController, NoteController, AdminNotesController],
  providers: [
    NotesRepository,
    NotesService,
    NoteLoader,
    { provide: NOTES_CLOCK, useValue: () => new Date() },
  ],
})
export class NotesModule {}
