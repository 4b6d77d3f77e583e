import 'reflect-metadata';
import { type INestApplication, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FEATURE_MODULES } from './features.js';
import { HealthController } from './health.controller.js';
import { createHttpAdapter } from './http-adapter.js';

/*
 * All Bulwark wiring lives in this file and in main.ts. Packages wired so far:
 *   @bulwark/core  Public() on the health route; Principal read by the example resource.
 * Packages to wire here as they are released (see README, "Security controls"):
 *   @bulwark/http, @bulwark/errors, @bulwark/logging, @bulwark/auth, @bulwark/rate-limit,
 *   @bulwark/authz, @bulwark/health, @bulwark/shutdown, @bulwark/metrics, @bulwark/secrets
 *   (and the @bulwark/tracing preload in the Dockerfile CMD and the `start` script).
 */

/** The service's root module. */
@Module({
  imports: [...FEATURE_MODULES],
  controllers: [HealthController],
})
export class AppModule {}

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Keep Nest's logger. @default true */
  logger?: boolean;
}

/** Creates the configured application, not yet listening: used by main.ts and the tests. */
export async function createApp(options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, createHttpAdapter(), {
    logger: options.logger === false ? false : undefined,
    abortOnError: false,
  });
  // Unknown fields are refused (400), not silently dropped: see the notes DTOs.
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.enableShutdownHooks();
  return app;
}
