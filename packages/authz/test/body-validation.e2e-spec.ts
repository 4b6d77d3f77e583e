import { Public } from '@bulwark/core';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Body, Controller, Module, Post, Put } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsOptional, IsString, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRouteInventory } from '../src/exports/inventory.js';
import { AuthzError, AuthzModule, BodyOf, RequireScopes, UncheckedBody } from '../src/index.js';
import { call } from './support/http.js';

class Tag {
  @IsString() name!: string;
  // Declared, and still refused: protected names are refused whatever a DTO says.
  @IsOptional() @IsString() role?: string;
}

class CreateNote {
  @IsString() title!: string;
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Tag)
  tags?: Tag[];
}

interface Settings {
  theme: string;
}

@Controller('v1/notes')
@Public()
class NotesController {
  @Post('batch')
  createMany(@BodyOf([CreateNote]) notes: CreateNote[]) {
    return { count: notes.length, instances: notes.every((note) => note instanceof CreateNote) };
  }

  @Post()
  create(@Body() note: CreateNote) {
    return { title: note.title };
  }

  @Post('wrapped')
  createWrapped(@BodyOf([CreateNote], 'items') items: CreateNote[]) {
    return { count: items.length };
  }

  @UncheckedBody('free-form settings document')
  @Put('settings')
  save(@Body() settings: Record<string, unknown>) {
    return settings;
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [NotesController] })
class BodiesApp {}

@Controller('v1/raw')
class UntypedController {
  @RequireScopes('raw:write')
  @Post('array')
  createMany(@Body() notes: CreateNote[]) {
    return notes;
  }

  @RequireScopes('raw:write')
  @Put('settings')
  save(@Body() settings: Settings) {
    return settings;
  }

  @RequireScopes('raw:write')
  @Post('typed')
  create(@Body() note: CreateNote) {
    return note;
  }
}

@Module({ imports: [AuthzModule.forRoot()], controllers: [UntypedController] })
class UntypedApp {}

@Module({
  imports: [AuthzModule.forRoot({ validation: false })],
  controllers: [UntypedController],
})
class OwnValidationApp {}

describe.each(ADAPTERS)('body validation on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(BodiesApp, { adapter });
  });
  afterAll(() => running.close());

  const invalid = (errors: { field: string; reason: string }[]) => ({
    type: 'urn:bulwark:problem:validation-failed',
    title: 'Validation Failed',
    status: 400,
    detail: `The request has invalid or unknown fields: ${errors.map((error) => error.field).join(', ')}.`,
    errors: errors.map(({ field, reason }) => ({ field, rules: [reason] })),
  });

  it('refuses a protected field in an element of an array body, naming [0].ownerId', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes/batch', {
      raw: '[{"title":"x","ownerId":"victim"}]',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(invalid([{ field: '[0].ownerId', reason: 'protected' }]));
  });

  it('validates every element of an array body with the same whitelist', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes/batch', {
      json: [{ title: 'a' }, { title: 'b', admin: true }, { title: 3 }, 'text'],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(
      invalid([
        { field: '[1].admin', reason: 'unknown' },
        { field: '[2].title', reason: 'isString' },
        { field: '[3]', reason: 'not_an_object' },
      ]),
    );
  });

  it('hands the handler validated instances', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes/batch', {
      json: [{ title: 'a' }, { title: 'b', tags: [{ name: 't' }] }],
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ count: 2, instances: true });
  });

  it('refuses an object sent to an array route', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes/batch', { json: { title: 'a' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(invalid([{ field: '(root)', reason: 'not_an_array' }]));
  });

  it('validates the elements of an array property taken with @BodyOf([Dto], property)', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes/wrapped', {
      json: {
        items: [
          { title: 'a', owner: 'x' },
          { title: 'b', extra: 1 },
        ],
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(invalid([{ field: 'items[0].owner', reason: 'protected' }]));
    const unknown = await call(running.url, 'POST', '/v1/notes/wrapped', {
      json: { items: [{ title: 'b', extra: 1 }] },
    });
    expect(unknown.body).toEqual(invalid([{ field: 'items[0].extra', reason: 'unknown' }]));
  });

  it('refuses protected fields at any depth of a DTO body, even where the nested DTO declares them', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes', {
      json: { title: 'x', tags: [{ name: 'a' }, { name: 'b', role: 'admin' }] },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(invalid([{ field: 'tags[1].role', reason: 'protected' }]));
  });

  it('names nested whitelist errors with array indices', async () => {
    const answer = await call(running.url, 'POST', '/v1/notes', {
      json: { title: 'x', tags: [{ name: 'a', colour: 'red' }] },
    });
    expect(answer.body).toEqual(invalid([{ field: 'tags[0].colour', reason: 'unknown' }]));
  });

  it('still refuses protected fields at any depth of an @UncheckedBody() route', async () => {
    const refused = await call(running.url, 'PUT', '/v1/notes/settings', {
      json: { theme: 'dark', profile: { isAdmin: true } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(invalid([{ field: 'profile.isAdmin', reason: 'protected' }]));
    const accepted = await call(running.url, 'PUT', '/v1/notes/settings', {
      json: { theme: 'dark', extra: [1] },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ theme: 'dark', extra: [1] });
  });

  it('lists each route body, and the opt-out with its reason, in the route inventory', () => {
    const bodies = Object.fromEntries(
      buildRouteInventory(running.app).map((entry) => [
        `${entry.method} ${entry.path}`,
        entry.body,
      ]),
    );
    expect(bodies).toEqual({
      'POST /v1/notes': 'CreateNote',
      'POST /v1/notes/batch': 'CreateNote[]',
      'POST /v1/notes/wrapped': 'items: CreateNote[]',
      'PUT /v1/notes/settings': 'unchecked: free-form settings document',
    });
  });

  it('stops start-up on a body typed Array or as an interface, naming each route and the fix', async () => {
    const failure = bootstrap(UntypedApp, { adapter });
    await expect(failure).rejects.toBeInstanceOf(AuthzError);
    await expect(failure).rejects.toMatchObject({
      code: 'AUTHZ_UNVALIDATED_BODY',
      message:
        'Strict validation: 2 route body(ies) have a type that cannot be validated (an interface, Object, any, or an array without its element class):\n' +
        '  - POST /v1/raw/array (UntypedController.createMany): @Body() parameter 0 is Array\n' +
        '  - PUT /v1/raw/settings (UntypedController.save): @Body() parameter 0 is Object\n' +
        "Fix: declare a DTO class (@Body() body: CreateNote), an array of DTOs with @BodyOf([CreateNote]) (from @bulwark/authz), or opt out with @UncheckedBody('why'), which the route inventory lists.",
    });
  });

  it('does not check body types when validation is left to the app (validation: false)', async () => {
    const own = await bootstrap(OwnValidationApp, { adapter });
    try {
      // It started, and the routes are still denied by default (no principal here).
      const response = await fetch(`${own.url}/v1/raw/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"theme":"dark"}',
      });
      expect(response.status).toBe(401);
    } finally {
      await own.close();
    }
  });
});

describe('body decorators', () => {
  it('reject declarations that name no DTO class or no reason', () => {
    expect(() => BodyOf([] as never)).toThrow(
      '@BodyOf() takes a DTO class or a one-element array of a DTO class, such as @BodyOf([CreateNote])',
    );
    expect(() => BodyOf([CreateNote, Tag] as never)).toThrow(AuthzError);
    expect(() => BodyOf(Object as never)).toThrow(AuthzError);
    expect(() => BodyOf([CreateNote], '')).toThrow('@BodyOf() property must be a non-empty string');
    expect(() => UncheckedBody(' ')).toThrow(
      '@UncheckedBody() needs a reason, which the route inventory prints',
    );
  });
});
