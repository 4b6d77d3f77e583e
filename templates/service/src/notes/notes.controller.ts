import { CurrentPrincipal } from '@bulwark/auth';
import { Authorize, LoadedResource, RequireRoles, RequireScopes, Serialize } from '@bulwark/authz';
import { anyPolicy, ownerPolicy, rolePolicy } from '@bulwark/authz/policies';
import { type Principal, setResponseHeader } from '@bulwark/core';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { CreateNoteDto } from './dto/create-note.dto.js';
import { ListNotesQuery } from './dto/list-notes.query.js';
import { NotePageView, NoteView } from './dto/note.view.js';
import { UpdateNoteDto } from './dto/update-note.dto.js';
import type { Note, NotePage } from './note.entity.js';
import { NoteLoader } from './notes.loader.js';
import { NotesService } from './notes.service.js';

/*
 * Every route declares who may call it; one that did not would stop start-up (deny by default).
 * Bodies are validated strictly before the handler: unknown fields, and protected ones such as
 * ownerId or id, answer 400. Object-level checks run on the note loaded once by NoteLoader;
 * a caller who may not see a note gets 404, exactly as for a note that does not exist. The
 * repository scopes every query to the caller's own notes in the SQL as well.
 */

/** The example resource: a caller's own notes, created and listed. */
@Controller('v1/notes')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @RequireScopes('notes:write')
  @Serialize(NoteView)
  @Post()
  async create(
    @CurrentPrincipal() caller: Principal,
    @Body() input: CreateNoteDto,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<Note> {
    const note = await this.notes.create(caller, input);
    setResponseHeader(response, 'location', `/v1/notes/${note.id}`);
    return note;
  }

  @RequireScopes('notes:read')
  @Serialize(NotePageView)
  @Get()
  list(@CurrentPrincipal() caller: Principal, @Query() query: ListNotesQuery): Promise<NotePage> {
    return this.notes.list(caller, query);
  }
}

/** One note, by its id: each route loads it with NoteLoader and decides on it first. */
@Controller('v1/notes')
export class NoteController {
  constructor(private readonly notes: NotesService) {}

  @RequireScopes('notes:read')
  @Authorize({
    action: 'notes:read',
    load: NoteLoader,
    policy: anyPolicy(ownerPolicy(), rolePolicy('admin')),
  })
  @Serialize(NoteView)
  @Get(':id')
  get(@LoadedResource() note: Note): Note {
    return note;
  }

  @RequireScopes('notes:write')
  @Authorize({ action: 'notes:update', load: NoteLoader, policy: ownerPolicy() })
  @Serialize(NoteView)
  @Patch(':id')
  update(
    @CurrentPrincipal() caller: Principal,
    @LoadedResource() note: Note,
    @Body() changes: UpdateNoteDto,
  ): Promise<Note> {
    return this.notes.update(caller, note, changes);
  }

  @RequireScopes('notes:write')
  @Authorize({ action: 'notes:delete', load: NoteLoader, policy: ownerPolicy() })
  @HttpCode(204)
  @Delete(':id')
  remove(@CurrentPrincipal() caller: Principal, @LoadedResource() note: Note): Promise<void> {
    return this.notes.delete(caller, note);
  }
}

/** Every note, for administrators. */
@Controller('v1/admin/notes')
export class AdminNotesController {
  constructor(private readonly notes: NotesService) {}

  @RequireRoles('admin')
  @Serialize(NotePageView)
  @Get()
  list(@CurrentPrincipal() caller: Principal, @Query() query: ListNotesQuery): Promise<NotePage> {
    return this.notes.list(caller, query, { bypassRoles: ['admin'] });
  }
}
