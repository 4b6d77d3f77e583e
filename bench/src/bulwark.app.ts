// The Bulwark full stack: hardened bootstrap (headers, errors, body limits), JWT ES256, scopes,
// an owner policy, the memory rate limiter, metrics and the JSON request log; tracing when the
// runner preloads @bulwark/tracing/register and sets BENCH_TRACING=1.
import 'reflect-metadata';
import { AuthModule } from '@bulwark/auth';
import {
  type AuthorizationContext,
  Authorize,
  AuthzModule,
  LoadedResource,
  ownerPolicy,
  RequireScopes,
} from '@bulwark/authz';
import { createSecureApp } from '@bulwark/http';
import { BulwarkLogger, LoggingModule } from '@bulwark/logging';
import { MetricsModule } from '@bulwark/metrics';
import { RateLimitModule } from '@bulwark/rate-limit';
import { TracingModule } from '@bulwark/tracing';
import { Controller, Get, Module } from '@nestjs/common';
import { itemFor, listen, settings } from './common.js';

const loadItem = ({ params, principal }: AuthorizationContext) =>
  itemFor(params.id ?? '', principal.id);

@Controller('v1/items')
class ItemsController {
  @RequireScopes('items:read')
  @Authorize({ action: 'items:read', load: loadItem, policy: ownerPolicy() })
  @Get(':id')
  get(@LoadedResource() item: ReturnType<typeof itemFor>) {
    return item;
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
  controllers: [ItemsController],
})
class AppModule {}

const app = await createSecureApp(AppModule, { adapter: settings.adapter, logger: false });
app.useLogger(app.get(BulwarkLogger));
await listen(app);
