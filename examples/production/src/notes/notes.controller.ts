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
import { getPrincipal, type Principal, setResponseHeader } from '@bulwark/core';
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

/*
 * This example owns its notes resource: it is not generated from the scaffolder's template
 * (templates/service/src/notes). The routes, their scopes and roles, and the object-level
 * policies are the service contract's (DESIGN.md), declared as the template declares them; keep
 * them in step when the contract changes. What differs from the template, and why:
 * - Storage: an in-memory NotesStore instead of the template's PostgreSQL (PGlite in tests)
 *   repository. The example shows Redis rate limiting shared by two instances, OTLP tracing,
 *   mounted secrets and mTLS service calls, and its tests run without a database. Notes are not
 *   shared between instances, and no SQL scopes them: the policies alone protect them.
 * - Audit calls: with AUDIT_URL set, a created note is recorded at the audit service before the
 *   answer (`@bulwark/client`, mTLS, token exchange), and GET /v1/notes/:id/history
 *   (NoteHistoryController) reads it back. The template makes no outbound call.
 * - Lists: GET /v1/notes and GET /v1/admin/notes answer a plain array of up to `limit` notes
 *   (default 20, at most 100; a value that is not a number counts as 20), where the template
 *   answers a keyset page ({ items, limit, next }, `after`) and refuses a bad `limit` with 400.
 * - Bodies (note.dto.ts): a title of up to 200 and a body of up to 5000 characters, either may be
 *   empty; the template asks for a title of 1 to 200 and a body of up to 10 000 characters.
 * - The view (NoteView) has no createdAt or updatedAt: the store keeps no times.
 * - One controller holds the admin listing (`admin/notes`); the template has a second one.
 */

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
    setResponseHeader(res, 'location', `/v1/notes/${note.id}`);
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
