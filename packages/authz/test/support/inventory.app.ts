import { Controller, Get, Module } from '@nestjs/common';
import { notesAppModule } from './notes.app.js';

/** The notes fixture, loaded by the inventory CLI test; no server is contacted. */
export const AppModule = notesAppModule(
  { issuer: 'http://127.0.0.1:9', audience: 'inventory', jwksUrl: 'http://127.0.0.1:9/jwks' },
  'http://127.0.0.1:9',
);

@Controller('v1/legacy')
class LegacyController {
  @Get()
  list() {
    return [];
  }
}

/** An app with one undeclared route. */
@Module({ imports: [AppModule], controllers: [LegacyController] })
export class LegacyAppModule {}
