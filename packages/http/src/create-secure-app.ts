import type { IncomingMessage, ServerResponse } from 'node:http';
import { BulwarkConfigError } from '@bulwark/core';
import { sendProblem } from '@bulwark/errors';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applySecurity } from './apply-security.js';
import type { SecureAppOptions } from './http-options.interface.js';
import { resolveSecurityOptions } from './resolve-security-options.js';
import { setSecurityHeaders } from './security-headers.js';

interface FastifyRequestLike {
  raw: IncomingMessage;
}

interface FastifyReplyLike {
  raw: ServerResponse;
}

async function createAdapter(options: SecureAppOptions, trustProxy: unknown, bodyLimit: number) {
  if (options.adapter === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    return new ExpressAdapter();
  }
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return new FastifyAdapter({
    trustProxy: trustProxy as never,
    bodyLimit,
    // The router rejects a malformed URL (400) or an over-long parameter (414) before any
    // hook runs: answer those as problems with the same headers and request id as the rest.
    frameworkErrors: ((error: Error, request: FastifyRequestLike, reply: FastifyReplyLike) => {
      setSecurityHeaders(request.raw, reply.raw);
      sendProblem(error, request, reply);
    }) as never,
  });
}

/**
 * Creates a hardened Nest app, configured and not yet listening: Fastify by default (or
 * Express), with everything {@link applySecurity} does, options defaulting from `CORS_ORIGINS`,
 * `TRUST_PROXY` and `BODY_LIMIT_BYTES`. Nest's own body parser is off; the hardened one of
 * `@bulwark/errors` replaces it. Install the adapter you choose (`@nestjs/platform-fastify` or
 * `@nestjs/platform-express`).
 *
 * @throws BulwarkConfigError naming the option or variable at fault, before anything starts.
 * @example
 * ```ts
 * const app = await createSecureApp(AppModule);
 * await app.listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
 * ```
 */
export async function createSecureApp(
  module: Type<unknown>,
  options: SecureAppOptions = {},
): Promise<INestApplication> {
  if (
    options.adapter !== undefined &&
    options.adapter !== 'fastify' &&
    options.adapter !== 'express'
  ) {
    throw new BulwarkConfigError('adapter', 'must be "fastify" or "express"');
  }
  const resolved = resolveSecurityOptions(options);
  const adapter = await createAdapter(options, resolved.trustProxy, resolved.bodyLimitBytes);
  const app = await NestFactory.create(module, adapter, {
    bodyParser: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  applySecurity(app, resolved);
  return app;
}
