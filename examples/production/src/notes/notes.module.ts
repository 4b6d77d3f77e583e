import { ClientModule } from '@bulwark/client';
import { type DynamicModule, Module } from '@nestjs/common';
import { AUDIT_SCOPE } from '../audit/audit.controller.js';
import type { AuditTarget } from '../config.js';
import { NoteHistoryController } from './note-history.controller.js';
import { NotesController } from './notes.controller.js';
import { NoteLoader, NotesStore } from './notes.store.js';

/**
 * The example resource: owner-only notes with an admin listing. With an audit service, each
 * created note is recorded there and `GET /v1/notes/:id/history` reads it back, both calls made
 * by `@bulwark/client` over mTLS with the caller's token exchanged (RFC 8693).
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
      controllers: audit ? [NotesController, NoteHistoryController] : [NotesController],
      providers: [NotesStore, NoteLoader],
    };
  }
}
