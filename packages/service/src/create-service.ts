import { BulwarkError, envInt, envString } from '@bulwark/core';
import { createSecureApp } from '@bulwark/http';
import { BulwarkLogger } from '@bulwark/logging';
import { loadSecrets } from '@bulwark/secrets';
import { type INestApplication, Module, type Type } from '@nestjs/common';
import { BulwarkModule } from './bulwark.module.js';
import type { CreateServiceOptions } from './service-options.interface.js';

/**
 * Creates a service around a feature module: the hardened app of `@bulwark/http` (Fastify by
 * default, security headers, CORS allow-list, body limits, problem+json errors, request ids)
 * with {@link BulwarkModule} imported before the feature. The app is configured and not yet
 * listening.
 *
 * `REDIS_URL` may come from a mounted file (`REDIS_URL_FILE` or `/run/secrets/REDIS_URL`),
 * so the password in it never has to be an environment variable.
 *
 * @example
 * ```ts
 * const app = await createService(NotesModule, { adapter: 'express' });
 * await app.listen(3000, '0.0.0.0');
 * ```
 */
export async function createService(
  feature: Type<unknown>,
  options: CreateServiceOptions = {},
): Promise<INestApplication> {
  const env = options.env ?? process.env;
  const secrets = await loadSecrets({ optional: ['REDIS_URL'], env, watch: false });
  const redis = options.rateLimit?.redis ?? secrets.find('REDIS_URL');
  await secrets.close();

  @Module({
    imports: [
      BulwarkModule.forRoot({
        ...options,
        env,
        rateLimit: { ...options.rateLimit, ...(redis === undefined ? {} : { redis }) },
      }),
      feature,
    ],
  })
  class ServiceModule {}

  const app = await createSecureApp(ServiceModule, {
    ...options.security,
    adapter: options.adapter ?? 'fastify',
    env,
    // @bulwark/authz's strict pipe validates bodies: unknown, protected and prototype keys.
    validation: false,
    logger: false,
  });
  app.useLogger(app.get(BulwarkLogger));
  return app;
}

/**
 * Creates the service and listens on `PORT` (default 3000) and `HOST` (default `0.0.0.0`), as
 * the generated service's `main.ts` does. A configuration error (a `BulwarkError`, such as a
 * missing `AUTH_AUDIENCE` in production or an undeclared route) prints one line naming what to
 * set and exits 1.
 *
 * @example
 * ```ts
 * await startService(NotesModule);
 * ```
 */
export async function startService(
  feature: Type<unknown>,
  options: CreateServiceOptions = {},
): Promise<INestApplication> {
  try {
    const env = options.env ?? process.env;
    const port = envInt('PORT', 3000, { min: 0, max: 65535, env });
    const host = envString('HOST', { default: '0.0.0.0', env }) as string;
    const app = await createService(feature, options);
    await app.listen(port, host);
    return app;
  } catch (error) {
    // A configuration mistake is the operator's to fix: say what to set, without a stack trace.
    if (error instanceof BulwarkError) {
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', code: error.code, msg: `start-up refused: ${error.message}` })}\n`,
      );
      process.exit(1);
    }
    throw error;
  }
}
