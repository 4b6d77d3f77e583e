import { AuthModule } from '@bulwark/auth';
import { getPrincipal, type Principal, Public } from '@bulwark/core';
import { ROUTE_METADATA } from '@bulwark/core/pipeline';
import { RateLimit } from '@bulwark/rate-limit';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Param,
  Patch,
  Post,
  Req,
  SetMetadata,
  type Type,
} from '@nestjs/common';
import { Expose } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { scopeList } from '../../src/exports/lists.js';
import { decisionPointPolicy, OpaDecisionPoint } from '../../src/exports/opa.js';
import {
  type AuthorizationContext,
  type AuthorizationPolicy,
  anyPolicy,
  ownerPolicy,
  type PolicyDecision,
  type ResourceLoader,
  rolePolicy,
  tenantPolicy,
} from '../../src/exports/policies.js';
import {
  Authenticated,
  Authorize,
  AuthzModule,
  type AuthzModuleOptions,
  LoadedResource,
  RequirePermissions,
  RequireRoles,
  RequireScopes,
  Serialize,
} from '../../src/index.js';
import { TestAuthModule, type TestAuthOptions } from './test-auth.module.js';

/** A stored note: more fields than any client may see. */
export interface Note {
  id: string;
  ownerId: string;
  tenantId: string;
  title: string;
  body: string;
  readers: string[];
  internalScore: number;
}

@Injectable()
export class NotesStore {
  readonly notes = new Map<string, Note>();
  private next = 1;

  create(owner: Principal, title: string, body: string): Note {
    const tenant = owner.claims.tenant_id;
    const note: Note = {
      id: String(this.next++),
      ownerId: owner.id,
      tenantId: typeof tenant === 'string' ? tenant : 'none',
      title,
      body,
      readers: [],
      internalScore: 42,
    };
    this.notes.set(note.id, note);
    return note;
  }
}

@Injectable()
export class NoteLoader implements ResourceLoader<Note> {
  constructor(private readonly store: NotesStore) {}
  load({ params }: AuthorizationContext): Note | undefined {
    return this.store.notes.get(params.id ?? '');
  }
}

export const OPA_URL = 'OPA_URL';

@Injectable()
export class OpaNotesPolicy implements AuthorizationPolicy<Note> {
  private readonly policy;
  constructor(@Inject(OPA_URL) url: string) {
    this.policy = decisionPointPolicy<Note>(
      new OpaDecisionPoint({ url, path: 'notes/allow', timeoutMs: 1000 }),
    );
  }
  evaluate(principal: Principal, action: string, note: Note, context: AuthorizationContext) {
    return this.policy(principal, action, note, context) as Promise<PolicyDecision>;
  }
}

export class CreateNoteDto {
  @IsString()
  @MaxLength(200)
  title!: string;

  @IsString()
  @MaxLength(2000)
  body!: string;
}

export class UpdateNoteDto {
  @IsOptional()
  @IsString()
  title?: string;

  @IsOptional()
  @IsString()
  body?: string;
}

export class NoteView {
  @Expose() id!: string;
  @Expose() title!: string;
  @Expose() body!: string;
}

const fromParams = ({ params }: AuthorizationContext) => params;

@Controller('health')
@Public()
// As @bulwark/health marks its probes: the core metadata key, without importing rate-limit.
@SetMetadata(ROUTE_METADATA.skipRateLimit, true)
export class HealthController {
  @Get('live')
  live() {
    return { status: 'up' };
  }
}

@Controller('v1/notes')
export class NotesController {
  constructor(private readonly store: NotesStore) {}

  @RequireScopes('notes:write')
  @RateLimit({ limit: 10, windowSeconds: 60, name: 'writes' })
  @Serialize(NoteView)
  @Post()
  create(@Req() request: unknown, @Body() body: CreateNoteDto) {
    return this.store.create(getPrincipal(request) as Principal, body.title, body.body);
  }

  @RequireScopes('notes:read')
  @Serialize(NoteView)
  @Get()
  list(@Req() request: unknown) {
    const principal = getPrincipal(request) as Principal;
    return scopeList(principal, [...this.store.notes.values()], { owner: 'ownerId' });
  }

  @RequireScopes('notes:read')
  @Authorize({
    action: 'notes:read',
    load: NoteLoader,
    policy: anyPolicy<Note>(ownerPolicy(), rolePolicy('admin')),
  })
  @Serialize(NoteView)
  @Get(':id')
  get(@LoadedResource() note: Note) {
    return note;
  }

  @RequireScopes('notes:write')
  @Authorize({ action: 'notes:update', load: NoteLoader, policy: ownerPolicy() })
  @Serialize(NoteView)
  @Patch(':id')
  update(@LoadedResource() note: Note, @Body() body: UpdateNoteDto) {
    if (body.title !== undefined) note.title = body.title;
    if (body.body !== undefined) note.body = body.body;
    return note;
  }

  @RequireScopes('notes:write')
  @Authorize({ action: 'notes:delete', load: NoteLoader, policy: ownerPolicy() })
  @HttpCode(204)
  @Delete(':id')
  remove(@LoadedResource() note: Note) {
    this.store.notes.delete(note.id);
  }
}

@Controller('v1/admin')
@RequireRoles('admin')
export class AdminController {
  constructor(private readonly store: NotesStore) {}

  @Serialize(NoteView)
  @Get('notes')
  all() {
    return [...this.store.notes.values()];
  }

  @RequirePermissions('notes:purge')
  @HttpCode(204)
  @Delete('notes')
  purge() {
    this.store.notes.clear();
  }
}

@Controller('v1/lab')
export class LabController {
  @RequireScopes({ anyOf: ['reports:read', 'reports:admin'] })
  @Get('reports')
  reports() {
    return { reports: [] };
  }

  @Authenticated()
  @Get('me')
  me(@Req() request: unknown) {
    return { id: getPrincipal(request)?.id };
  }

  @Authorize({
    action: 'lab:fragile-policy',
    load: fromParams,
    policy: () => {
      throw new Error('policy store unreachable');
    },
  })
  @Get('fragile-policy/:id')
  fragilePolicy() {
    return { reached: true };
  }

  @Authorize({
    action: 'lab:fragile-loader',
    load: () => {
      throw new Error('database unreachable');
    },
    policy: () => 'allow',
  })
  @Get('fragile-loader/:id')
  fragileLoader() {
    return { reached: true };
  }

  @Authorize({
    action: 'lab:rejecting-loader',
    load: async () => {
      await Promise.resolve();
      throw new Error('database unreachable');
    },
    policy: () => 'allow',
  })
  @Get('rejecting-loader/:id')
  rejectingLoader() {
    return { reached: true };
  }

  @Authorize({
    action: 'lab:strict-loader',
    load: async ({ params }: AuthorizationContext) => {
      if (!/^\d+$/.test(params.id ?? '')) throw new BadRequestException('id must be a number');
      return params;
    },
    policy: async () => 'allow' as const,
  })
  @Get('strict-loader/:id')
  strictLoader() {
    return { reached: true };
  }

  @Authorize({
    action: 'notes:read-tenant',
    load: NoteLoader,
    policy: tenantPolicy({ claim: 'tenant_id', field: 'tenantId' }),
    denyStatus: 403,
  })
  @Serialize(NoteView)
  @Get('tenant-notes/:id')
  tenantNote(@LoadedResource() note: Note) {
    return note;
  }

  @Authorize({ action: 'notes:read-opa', load: NoteLoader, policy: OpaNotesPolicy })
  @Serialize(NoteView)
  @Get('opa-notes/:id')
  opaNote(@LoadedResource() note: Note) {
    return note;
  }

  @RequireScopes('notes:share')
  @Post('share/:id/:reader')
  @Authorize({ action: 'notes:share', load: NoteLoader, policy: ownerPolicy() })
  share(@LoadedResource() note: Note, @Param('reader') reader: string) {
    note.readers.push(reader);
    return { readers: note.readers };
  }
}

export const NOTES_CONTROLLERS = [
  HealthController,
  NotesController,
  AdminController,
  LabController,
];

/**
 * Which authentication runs before authz: the real `@bulwark/auth`, or the test guard that
 * passes the `roles` claim through unchecked.
 */
export const AUTHENTICATORS = ['@bulwark/auth', 'raw-claims test guard'] as const;

/** One of {@link AUTHENTICATORS}. */
export type Authenticator = (typeof AUTHENTICATORS)[number];

/** Builds the fixture app module: authentication first, then authz, then the notes controllers. */
export function notesAppModule(
  auth: TestAuthOptions,
  opaUrl: string,
  authenticator: Authenticator = 'raw-claims test guard',
  authz: AuthzModuleOptions = { permissions: { admin: ['notes:purge'], auditor: ['notes:audit'] } },
): Type<unknown> {
  const authentication =
    authenticator === '@bulwark/auth'
      ? AuthModule.forRoot({
          issuer: auth.issuer,
          audience: auth.audience,
          jwksUri: auth.jwksUrl,
          production: false,
          devIssuer: false,
        })
      : TestAuthModule.forRoot(auth);
  @Module({
    imports: [authentication, AuthzModule.forRoot(authz)],
    controllers: NOTES_CONTROLLERS,
    providers: [NotesStore, NoteLoader, OpaNotesPolicy, { provide: OPA_URL, useValue: opaUrl }],
  })
  class NotesAppModule {}
  return NotesAppModule;
}
