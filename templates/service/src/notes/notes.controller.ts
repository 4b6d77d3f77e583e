import { getPrincipal, type Principal, ProblemException, setResponseHeader } from '@bulwark/core';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { CreateNoteDto } from './dto/create-note.dto.js';
import { ListNotesQuery } from './dto/list-notes.query.js';
import { UpdateNoteDto } from './dto/update-note.dto.js';
import type { Note, NotePage } from './note.entity.js';
import { NotesService } from './notes.service.js';

/*
 * Scopes required by the contract, to be declared with @bulwark/authz once it is wired:
 *   POST /v1/notes, PATCH and DELETE /v1/notes/:id  notes:write
 *   GET /v1/notes, GET /v1/notes/:id                notes:read
 *   GET /v1/admin/notes                             role admin
 */

/** The example resource: a caller's own notes. */
@Controller('v1/notes')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @Post()
  create(
    @Req() request: unknown,
    @Res({ passthrough: true }) response: unknown,
    @Body() input: CreateNoteDto,
  ): Note {
    const note = this.notes.create(caller(request), input);
    setResponseHeader(response, 'location', `/v1/notes/${note.id}`);
    return note;
  }

  @Get()
  list(@Req() request: unknown, @Query() query: ListNotesQuery): NotePage {
    return this.notes.listOwn(caller(request), query);
  }

  @Get(':id')
  get(@Req() request: unknown, @Param('id') id: string): Note {
    return this.notes.get(caller(request), id);
  }

  @Patch(':id')
  update(@Req() request: unknown, @Param('id') id: string, @Body() changes: UpdateNoteDto): Note {
    return this.notes.update(caller(request), id, changes);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Req() request: unknown, @Param('id') id: string): void {
    this.notes.delete(caller(request), id);
  }
}

/** Every note, for administrators. */
@Controller('v1/admin/notes')
export class AdminNotesController {
  constructor(private readonly notes: NotesService) {}

  @Get()
  list(@Req() request: unknown, @Query() query: ListNotesQuery): NotePage {
    return this.notes.listAll(caller(request), query);
  }
}

/**
 * The authenticated caller. The principal is set by the authentication guard; with no guard
 * wired, or no valid token, there is none and the route answers 401 (fail closed).
 */
function caller(request: unknown): Principal {
  const principal = getPrincipal(request);
  if (principal === undefined) {
    throw new ProblemException({
      kind: 'unauthenticated',
      status: 401,
      title: 'Unauthorized',
      detail: 'A valid bearer token is required.',
    });
  }
  return principal;
}
