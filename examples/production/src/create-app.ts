import { createSecureApp, type HttpAdapterName } from '@bulwark/http';
import { BulwarkLogger } from '@bulwark/logging';
import type { INestApplication } from '@nestjs/common';
import { type AppModuleOptions, buildAppModule } from './app.module.js';
import type { ProductionConfig } from './config.js';

/** Options of {@link createProductionApp}. */
export interface CreateProductionAppOptions extends AppModuleOptions {
  /** @default HTTP_ADAPTER, else 'fastify' */
  adapter?: HttpAdapterName;
}

/**
 * Creates the hardened app (headers, CORS allow-list, body limits, problem+json errors,
 * validation) around {@link buildAppModule}, with Nest's logs going through pino. Not yet
 * listening.
 */
export async function createProductionApp(
  config: ProductionConfig,
  options: CreateProductionAppOptions = {},
): Promise<INestApplication> {
  const adapter =
    options.adapter ?? (process.env.HTTP_ADAPTER === 'express' ? 'express' : 'fastify');
  const app = await createSecureApp(buildAppModule(config, options), { adapter, logger: false });
  app.useLogger(app.get(BulwarkLogger));
  app.enableShutdownHooks();
  return app;
}
