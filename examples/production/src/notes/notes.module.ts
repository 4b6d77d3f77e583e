import { ClientModule } from '@bulwark/client';
import { type DynamicModule, Module } from '@nestjs/common';
import { AUDIT_SCOPE } from '../audit/audit.controller.js';
import type { AuditTarget } from '../config.js';
import { NoteHistoryController } from './note-history.controller.js';
import { NotesController } from './notes.controller.js';
import { NOTES_CLOCK } from './template/notes.clock.js';
import { NoteController } from './template/notes.controller.js';
import { NoteLoader } from './template/notes.loader.js';
import { NotesRepository } from './template/notes.repository.js';
import { NotesService } from './template/notes.service.js';

/**
 * The example resource: owner-only notes with an admin listing, from the service template (see
 * notes.controller.ts). With an audit service, each created note is recorded there and
 * `GET /v1/notes/:id/history` reads it back, both calls made by `@bulwark/client` over mTLS with
 * the caller's token exchanged (RFC 8693).
 */
@Module({})
export class NotesModule {
  static forRoot(audit: AuditTarget | undefined): DynamicModule {
    return {
      module: NotesModule,
      imports: audit
        ? [
            ClientModule.register({
              name: 'audit',
              baseUrl: audit.url,
              audience: audit.audience,
              auth: { kind: 'tokenExchange', scope: AUDIT_SCOPE },
              tls: { expectedPeer: audit.peer },
            }),
          ]
        : [],
      controllers: [NotesController, NoteController, ...(audit ? [NoteHistoryController] : [])],
      providers: [
        NotesRepository,
        NotesService,
        NoteLoader,
        { provide: NOTES_CLOCK, useValue: () => new Date() },
      ],
    };
  }
}
