import { Body, Param, Query } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { bodyParameters } from './body-types.js';

class CreateNote {
  title!: string;
}

class NotesController {
  create(@Param('id') _id: string, @Body() _note: CreateNote, @Query('dry') _dry: string): void {}
  rename(@Body('title') _title: string): void {}
}

// bodyParameters() reads NestJS's route-arguments metadata, keyed by the internal
// RouteParamtypes (see the comment on its import): this fails when an upgrade changes either.
describe('bodyParameters on the metadata of @nestjs/common decorators', () => {
  it('finds the @Body() parameter among @Param() and @Query(), with its index and type', () => {
    expect(bodyParameters(NotesController, 'create')).toEqual([
      { index: 1, property: undefined, type: 'CreateNote', validated: true },
    ]);
  });

  it('finds a @Body(property) parameter', () => {
    expect(bodyParameters(NotesController, 'rename')).toEqual([
      { index: 0, property: 'title', type: 'string', validated: true },
    ]);
  });

  it('reads the key @nestjs/common stores route arguments under', async () => {
    const { ROUTE_ARGS_METADATA } = await import('@nestjs/common/constants.js');
    expect(Reflect.getMetadataKeys(NotesController, 'create')).toContain(ROUTE_ARGS_METADATA);
  });
});
