import {
  Authorize,
  anyPolicy,
  LoadedResource,
  ownerPolicy,
  RequireRoles,
  RequireScopes,
  rolePolicy,
  Serialize,
} from '@bulwark/authz';
import { InjectServiceClient, type ServiceClient } from '@bulwark/client';
import { getPrincipal, type Principal } from '@bulwark/core';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Optional,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { CreateNoteDto, NoteView, UpdateNoteDto } from './note.dto.js';
import { type Note, NoteLoader, NotesStore } from './notes.store.js';

const principalOf = (req: unknown) => getPrincipal(req) as Principal;
const limitOf = (raw: string | undefined) =>
  Math.min(Math.max(Number.parseInt(raw ?? '20', 10) || 20, 1), 100);

/** The example resource of the Bulwark service contract (DESIGN.md). */
@Controller('v1')
export class NotesController {
  constructor(
    private readonly store: NotesStore,
    @Optional() @InjectServiceClient('audit') private readonly audit?: ServiceClient,
  ) {}

  @RequireScopes('notes:write')
  @Serialize(NoteView)
  @Post('notes')
  async create(
    @Req() req: unknown,
    @Body() body: CreateNoteDto,
    @Res({ passthrough: true }) res: unknown,
  ): Promise<Note> {
    const note = this.store.create(principalOf(req).id, body.title, body.body);
    // Recorded before answering: a note the audit service refused is not kept.
    await this.audit
      ?.post('/v1/events', { type: 'note.created', noteId: note.id }, { request: req })
      .catch((error: unknown) => {
        this.store.delete(note.id);
        throw error;
      });
    setLocation(res, `/v1/notes/${note.id}`);
    return note;
  }

  @RequireScopes('notes:read')
  @Serialize(NoteView)
  @Get('notes')
  list(@Req() req: unknown, @Query('limit') limit?: string): Note[] {
    return this.store.find({ ownerId: principalOf(req).id }, limitOf(limit));
  }

  @RequireScopes('notes:read')
  @Authorize({
    action: 'notes:read',
    load: NoteLoader,
    policy: anyPolicy(ownerPolicy(), rolePolicy('admin')),
  })
  @Serialize(NoteView)
  @Get('notes/:id')
  get(@LoadedResource() note: Note): Note {
    return note;
  }

  @RequireScopes('notes:write')
  @Authorize({ action: 'notes:update', load: NoteLoader, policy: ownerPolicy() })
  @Serialize(NoteView)
  @Patch('notes/:id')
  update(@LoadedResource() note: Note, @Body() body: UpdateNoteDto): Note {
    if (body.title !== undefined) note.title = body.title;
    if (body.body !== undefined) note.body = body.body;
    return note;
  }

  @RequireScopes('notes:write')
  @Authorize({ action: 'notes:delete', load: NoteLoader, policy: ownerPolicy() })
  @HttpCode(204)
  @Delete('notes/:id')
  remove(@LoadedResource() note: Note): void {
    this.store.delete(note.id);
  }

  @RequireRoles('admin')
  @Serialize(NoteView)
  @Get('admin/notes')
  all(@Query('limit') limit?: string): Note[] {
    return this.store.find({}, limitOf(limit));
  }
}

// Express and Fastify replies name the header setter differently.
function setLocation(res: unknown, location: string): void {
  const reply = res as {
    header?: (n: string, v: string) => void;
    setHeader?: (n: string, v: string) => void;
  };
  if (typeof reply.header === 'function') reply.header('location', location);
  else reply.setHeader?.('location', location);
}
