import { BulwarkConfigError, BulwarkError } from '@bulwark/core';
import { envInt, envString } from '@bulwark/core/env';
import { createSecureApp } from '@bulwark/http';
import { BulwarkLogger } from '@bulwark/logging';
import { loadSecrets } from '@bulwark/secrets';
import { ShutdownService } from '@bulwark/shutdown';
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
 * so the password in it never has to be an environment variable. Unless `shutdown` is `false`,
 * the app is attached to `@bulwark/shutdown`, which closes it after the drain on SIGTERM, so
 * Nest's `onModuleDestroy` / `onApplicationShutdown` hooks run; do not call
 * `enableShutdownHooks()` as well.
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

  // The Redis URL read from the environment or a mounted file becomes the `redis` option: an
  // error about it names where it came from.
  const redisVariable =
    options.rateLimit?.redis === undefined && redis !== undefined
      ? env.REDIS_URL?.trim() || !env.REDIS_URL_FILE?.trim()
        ? 'REDIS_URL'
        : 'REDIS_URL_FILE'
      : undefined;
  const bulwark = BulwarkConfigError.namingVariables({ redis: redisVariable }, () =>
    BulwarkModule.forRoot({
      ...options,
      // @bulwark/auth's DPoP replay store shares this Redis, also when it came from a file (a
      // malformed one is left to the rate limiter, whose error names REDIS_URL_FILE).
      env:
        typeof redis === 'string' && !env.REDIS_URL?.trim() && /^rediss?:\/\//.test(redis)
          ? { ...env, REDIS_URL: redis }
          : env,
      rateLimit: { ...options.rateLimit, ...(redis === undefined ? {} : { redis }) },
    }),
  );

  @Module({ imports: [bulwark, feature] })
  class ServiceModule {}

  const app = await createSecureApp(ServiceModule, {
    ...options.security,
    adapter: options.adapter ?? 'fastify',
    env,
    // BulwarkModule's AuthzModule installs @bulwark/errors' StrictValidationPipe, with its
    // protected fields (option `authz.validation`); a second pipe here would validate bodies twice.
    validation: false,
    logger: false,
  });
  app.useLogger(app.get(BulwarkLogger));
  // On SIGTERM, after the drain, @bulwark/shutdown closes the app: onModuleDestroy,
  // beforeApplicationShutdown and onApplicationShutdown run, within the shutdown timeout.
  if (options.shutdown !== false) app.get(ShutdownService).attach(app);
  return app;
}

const NODE_ENVS = ['production', 'development', 'test'];

/**
 * The error behind a failed `listen`, as a configuration error naming `HOST` or `PORT` when one
 * of them is the cause; any other error as it is.
 */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL') {
    return new BulwarkConfigError(
      'HOST',
      `cannot listen on "${host}" (${code}): must be an address of this machine, such as 0.0.0.0, :: or 127.0.0.1. Set HOST to one, or unset it for 0.0.0.0.`,
      { cause: error },
    );
  }
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    return new BulwarkConfigError(
      'PORT',
      `cannot listen on port ${port} of ${host} (${code === 'EADDRINUSE' ? 'in use' : 'not permitted'}): must be a free port from 0 to 65535, 1024 or above without privileges. Set PORT to one.`,
      { cause: error },
    );
  }
  return error;
}

/**
 * Creates the service and listens on `PORT` (default 3000) and `HOST` (default `0.0.0.0`), as
 * the generated service's `main.ts` does. `NODE_ENV` must be `production`, `development` or
 * `test`. A configuration error (a `BulwarkError`, such as a missing `AUTH_AUDIENCE` in
 * production, an undeclared route, or a `HOST` or `PORT` it cannot listen on) prints one JSON
 * line naming the variable to set and its allowed values, and exits 1.
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
    const mode = envString('NODE_ENV', { default: 'development', env }) as string;
    // Anything but the exact `production` is the lenient mode: a typo such as `prod` must not
    // quietly start a production pod with the development issuer.
    if (!NODE_ENVS.includes(mode)) {
      throw new BulwarkConfigError(
        'NODE_ENV',
        `must be one of ${NODE_ENVS.join(', ')} (got "${mode}"). Set NODE_ENV=production for the strict mode.`,
      );
    }
    const app = await createService(feature, options);
    try {
      await app.listen(port, host);
    } catch (error) {
      throw listenError(error, host, port);
    }
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
