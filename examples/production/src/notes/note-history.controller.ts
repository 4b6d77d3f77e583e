import { Authorize, LoadedResource, RequireScopes } from '@bulwark/authz';
import { ownerPolicy } from '@bulwark/authz/policies';
import { InjectServiceClient, type ServiceClient } from '@bulwark/client';
import { Controller, Get, Req } from '@nestjs/common';
import type { Note } from './template/note.entity.js';
import { NoteLoader } from './template/notes.loader.js';

/** `GET /v1/notes/:id/history`: the note's events, read from the audit service. */
@Controller('v1')
export class NoteHistoryController {
  constructor(@InjectServiceClient('audit') private readonly audit: ServiceClient) {}

  @RequireScopes('notes:read')
  @Authorize({ action: 'notes:read', load: NoteLoader, policy: ownerPolicy() })
  @Get('notes/:id/history')
  history(@LoadedResource() note: Note, @Req() req: unknown): Promise<unknown> {
    return this.audit.get(`/v1/events?noteId=${encodeURIComponent(note.id)}`, { request: req });
  }
}
