// The Bulwark modules assembled by hand, without @bulwark/service and the template: hardened
// bootstrap (headers, errors, body limits), JWT ES256 with a static JWKS, scopes, an owner
// policy with a loader, the memory rate limiter, metrics and the JSON request log. Kept beside
// the generated service for one thing it does not show: the cost of the modules alone on
// GET /v1/notes/:id, so that the difference to the generated service is what `startService`
// and the template add (health, shutdown, secrets, validation, `@Serialize` views, the
// tracing preload's context). Opt-in variant `modules` of run.mjs.
import 'reflect-metadata';
import { AuthModule } from '@bulwark/auth';
import { Authorize, AuthzModule, LoadedResource, RequireScopes } from '@bulwark/authz';
import { type AuthorizationContext, ownerPolicy } from '@bulwark/authz/policies';
import { createSecureApp } from '@bulwark/http';
import { BulwarkLogger, LoggingModule } from '@bulwark/logging';
import { MetricsModule } from '@bulwark/metrics';
import { RateLimitModule } from '@bulwark/rate-limit';
import { TracingModule } from '@bulwark/tracing';
import { Controller, Get, Module } from '@nestjs/common';
import { listen, type Note, noteView, settings } from './common.js';

const created = new Date().toISOString();
/** Every id names a note of the caller's: the loader does the lookup a repository would. */
const loadNote = ({ params, principal }: AuthorizationContext): Note => ({
  id: params.id ?? '',
  ownerId: principal.id,
  title: 'bench',
  body: 'a note of the bench',
  createdAt: created,
  updatedAt: created,
});

@Controller('v1/notes')
class NotesController {
  @RequireScopes('notes:read')
  @Authorize({ action: 'notes:read', load: loadNote, policy: ownerPolicy() })
  @Get(':id')
  get(@LoadedResource() note: Note) {
    return noteView(note);
  }
}

@Module({
  imports: [
    LoggingModule.forRoot({ base: { service: 'bench' } }),
    ...(process.env.BENCH_TRACING === '1' ? [TracingModule.forRoot()] : []),
    MetricsModule.forRoot({ port: 0, host: '127.0.0.1' }),
    AuthModule.forRoot({
      issuer: settings.issuer,
      audience: settings.audience,
      jwks: JSON.parse(settings.jwks),
      algorithms: ['ES256'],
    }),
    RateLimitModule.forRoot({ limit: 50_000_000, windowSeconds: 60 }),
    AuthzModule.forRoot(),
  ],
  controllers: [NotesController],
})
class AppModule {}

const app = await createSecureApp(AppModule, { adapter: settings.adapter, logger: false });
app.useLogger(app.get(BulwarkLogger));
await listen(app);
