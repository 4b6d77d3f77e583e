import { AuthModule } from '@bulwark/auth';
import { AuthzModule } from '@bulwark/authz';
import { HealthModule } from '@bulwark/health';
import { type LogDestination, LoggingModule, type LogLevel } from '@bulwark/logging';
import { MetricsModule } from '@bulwark/metrics';
import { RateLimitModule } from '@bulwark/rate-limit';
import { TracingModule } from '@bulwark/tracing';
import { Module, type Type } from '@nestjs/common';
import type { ProductionConfig } from './config.js';
import { NotesModule } from './notes/notes.module.js';

/** Options of {@link buildAppModule} that tests change. */
export interface AppModuleOptions {
  /** Where JSON log lines go. @default stdout */
  logDestination?: LogDestination;
  /** @default LOG_LEVEL, else 'info' */
  logLevel?: LogLevel;
}

/**
 * The root module for one configuration. Order matters: global guards run in registration
 * order, so authentication comes before the rate limiter (which keys by principal) and
 * before authorization (which needs the principal).
 */
export function buildAppModule(
  config: ProductionConfig,
  options: AppModuleOptions = {},
): Type<unknown> {
  @Module({
    imports: [
      LoggingModule.forRoot({
        ...(options.logDestination ? { destination: options.logDestination } : {}),
        ...(options.logLevel ? { level: options.logLevel } : {}),
        base: { service: 'notes' },
      }),
      TracingModule.forRoot(),
      MetricsModule.forRoot({ port: config.metricsPort, host: '127.0.0.1' }),
      AuthModule.forRoot({
        issuer: config.issuer,
        audience: config.audience,
        jwksUri: config.jwksUri,
        algorithms: config.algorithms,
      }),
      RateLimitModule.forRoot({
        redis: config.redisUrl,
        limit: config.rateLimit.limit,
        windowSeconds: config.rateLimit.windowSeconds,
        replicas: config.rateLimit.replicas,
      }),
      AuthzModule.forRoot(),
      HealthModule.forRoot({ redis: { url: config.redisUrl } }),
      NotesModule.forRoot(config.audit),
    ],
  })
  class AppModule {}
  return AppModule;
}
