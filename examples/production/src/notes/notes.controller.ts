import { CurrentPrincipal } from '@bulwark/auth';
import { RequireRoles, RequireScopes, Serialize } from '@bulwark/authz';
import { InjectServiceClient, type ServiceClient } from '@bulwark/client';
import { type Principal, setResponseHeader } from '@bulwark/core';
import { Body, Controller, Get, Optional, Post, Query, Req, Res } from '@nestjs/common';
import { CreateNoteDto } from './template/dto/create-note.dto.js';
import { NoteView } from './template/dto/note.view.js';
import type { Note } from './template/note.entity.js';
import { NotesService } from './template/notes.service.js';

/*
 * The notes resource is the service template's (templates/service/src/notes), as
 * `create-bulwark --db none` generates it: scripts/notes-from-template.mjs copies it into
 * src/notes/template/ before every build, typecheck and test run. The routes on one note (GET,
 * PATCH and DELETE /v1/notes/:id: the template's NoteController), their scopes and object-level
 * policies, the bodies, the view, the service, the loader and the page size limits are the
 * template's, unchanged. What this example does differently is in src/notes/ alone:
 * - Storage: the template's in-memory repository (`--db none`, chosen by the script) instead of
 *   PostgreSQL. The example shows Redis rate limiting shared by two instances, OTLP tracing,
 *   mounted secrets and mTLS service calls, and its tests run without a database. Notes are not
 *   shared between instances.
 * - Audit calls: with AUDIT_URL set, a created note is recorded at the audit service before the
 *   answer (`@bulwark/client`, mTLS, token exchange), and GET /v1/notes/:id/history
 *   (NoteHistoryController) reads it back. The template makes no outbound call.
 * - Lists: GET /v1/notes and GET /v1/admin/notes answer a plain array of up to `limit` notes
 *   (the template's default of 20 and cap of 100; a value that is not a number counts as left
 *   out), where the template answers a keyset page ({ items, limit, next }, `after`) and refuses
 *   a bad `limit` with 400.
 */

/** `limit` as a number, or left out when it is not one (the service then takes its default). */
const limitOf = (raw: string | undefined) => Number.parseInt(raw ?? '', 10) || undefined;

/** Creating and listing notes, and the admin listing: plain arrays, created notes audited. */
@Controller('v1')
export class NotesController {
  constructor(
    private readonly notes: NotesService,
    @Optional() @InjectServiceClient('audit') private readonly audit?: ServiceClient,
  ) {}

  @RequireScopes('notes:write')
  @Serialize(NoteView)
  @Post('notes')
  async create(
    @Req() request: unknown,
    @CurrentPrincipal() caller: Principal,
    @Body() input: CreateNoteDto,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<Note> {
    const note = await this.notes.create(caller, input);
    // Recorded before answering: a note the audit service refused is not kept.
    await this.audit
      ?.post('/v1/events', { type: 'note.created', noteId: note.id }, { request })
      .catch(async (error: unknown) => {
        await this.notes.delete(caller, note);
        throw error;
      });
    setResponseHeader(response, 'location', `/v1/notes/${note.id}`);
    return note;
  }

  @RequireScopes('notes:read')
  @Serialize(NoteView)
  @Get('notes')
  async list(
    @CurrentPrincipal() caller: Principal,
    @Query('limit') limit?: string,
  ): Promise<readonly Note[]> {
    return (await this.notes.list(caller, { limit: limitOf(limit) })).items;
  }

  @RequireRoles('admin')
  @Serialize(NoteView)
  @Get('admin/notes')
  async all(
    @CurrentPrincipal() caller: Principal,
    @Query('limit') limit?: string,
  ): Promise<readonly Note[]> {
    const page = { limit: limitOf(limit) };
    return (await this.notes.list(caller, page, { bypassRoles: ['admin'] })).items;
  }
}
