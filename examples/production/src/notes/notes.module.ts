import { Module } from '@nestjs/common';
import { NotesController } from './notes.controller.js';
import { NoteLoader, NotesStore } from './notes.store.js';

/** The example resource: owner-only notes with an admin listing. */
@Module({ controllers: [NotesController], providers: [NotesStore, NoteLoader] })
export class NotesModule {}
