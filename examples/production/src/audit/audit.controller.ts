import { randomUUID } from 'node:crypto';
import { RequireScopes } from '@bulwark/authz';
import { CurrentPeer, RequirePeer } from '@bulwark/authz/peer';
import { getPrincipal, type Peer, type Principal } from '@bulwark/core';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Post,
  Query,
  Req,
  type Type,
} from '@nestjs/common';
import { IsIn, IsString, Matches } from 'class-validator';

/** The scope an exchanged token needs at the audit service. */
export const AUDIT_SCOPE = 'audit:events';

/** `POST /v1/events`: what happened to which note. */
export class AuditEventDto {
  @IsIn(['note.created'])
  type!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/)
  noteId!: string;
}

/** One recorded event: who did it, through which service, proven how. */
export interface AuditEvent {
  readonly id: string;
  readonly type: string;
  readonly noteId: string;
  /** The end user: the `sub` of the exchanged token. */
  readonly subject: string;
  /** The calling service, from the token's `act` claim (RFC 8693 §4.1). */
  readonly actor: string | undefined;
  /** The calling service, from its client certificate (mTLS). */
  readonly peer: string;
  readonly at: string;
}

/** In-memory event log of the example. */
@Injectable()
export class AuditStore {
  readonly events: AuditEvent[] = [];
}

/**
 * The audit service's routes, callable only by the peers given (the notes service's SPIFFE ID)
 * and only with a token carrying {@link AUDIT_SCOPE}: both the service and the user are
 * authenticated on every call.
 */
export function auditController(allowedPeers: readonly string[]): Type<unknown> {
  @Controller('v1/events')
  class AuditController {
    constructor(private readonly store: AuditStore) {}

    @RequirePeer(...allowedPeers)
    @RequireScopes(AUDIT_SCOPE)
    @HttpCode(201)
    @Post()
    record(@Req() req: unknown, @CurrentPeer() peer: Peer, @Body() body: AuditEventDto) {
      const principal = getPrincipal(req) as Principal;
      const act = principal.claims.act as { sub?: unknown } | undefined;
      const event: AuditEvent = {
        id: randomUUID(),
        type: body.type,
        noteId: body.noteId,
        subject: principal.subject,
        actor: typeof act?.sub === 'string' ? act.sub : undefined,
        peer: peer.id,
        at: new Date().toISOString(),
      };
      this.store.events.push(event);
      return event;
    }

    @RequirePeer(...allowedPeers)
    @RequireScopes(AUDIT_SCOPE)
    @Get()
    list(@Req() req: unknown, @Query('noteId') noteId?: string) {
      const subject = (getPrincipal(req) as Principal).subject;
      return this.store.events.filter(
        (event) => event.subject === subject && (noteId === undefined || event.noteId === noteId),
      );
    }
  }
  return AuditController;
}
