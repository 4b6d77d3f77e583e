import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import { BulwarkConfigError } from '@bulwark/core';
import { sendProblem } from '@bulwark/errors/problems';
import { type INestApplication, Logger, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applySecurity } from './apply-security.js';
import type { ResolvedSecurityOptions, SecureAppOptions } from './http-options.interface.js';
import { resolveSecurityOptions } from './internal/resolve-security-options.js';
import { TlsMaterial } from './internal/tls-material.js';
import { TlsReadiness } from './internal/tls-readiness.js';
import { setSecurityHeaders } from './security-headers.js';

interface FastifyRequestLike {
  raw: IncomingMessage;
}

interface FastifyReplyLike {
  raw: ServerResponse;
}

async function createAdapter(
  options: SecureAppOptions,
  trustProxy: unknown,
  bodyLimit: number,
  https: object | undefined,
) {
  if (options.adapter === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    return new ExpressAdapter();
  }
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return new FastifyAdapter({
    ...(https === undefined ? {} : { https: https as never }),
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
 * `TRUST_PROXY` and `BODY_LIMIT_BYTES`. With `TLS_CERT_FILE` and `TLS_KEY_FILE` (or `tls`) the
 * listener serves HTTPS from files it reloads when they change, with client certificates
 * verified against `TLS_CLIENT_CA_FILE` when set, and a `tls` readiness indicator that fails once
 * the certificate has expired. The start-up log says which mode is in use. Nest's own body parser is off; the hardened one of
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
  const material = resolved.tls === undefined ? undefined : TlsMaterial.load(resolved.tls);
  const https = material?.serverOptions();
  const adapter = await createAdapter(options, resolved.trustProxy, resolved.bodyLimitBytes, https);
  const app = await NestFactory.create(withTlsReadiness(module, material), adapter, {
    bodyParser: false,
    // A provider that refuses its configuration (a BulwarkConfigError) must reach the caller,
    // which reports it naming the variable; Nest's default ends the process, silently when the
    // logger is off.
    abortOnError: false,
    ...(options.adapter === 'express' && https !== undefined ? { httpsOptions: https } : {}),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  applySecurity(app, resolved);
  const server = app.getHttpServer() as Server;
  if (material !== undefined) material.attach(server as unknown as TlsServer);
  server.once('listening', () => logMode(resolved, material));
  return app;
}

/** With TLS, the feature module plus the `tls` readiness indicator `@bulwark/health` finds. */
function withTlsReadiness(module: Type<unknown>, material: TlsMaterial | undefined): Type<unknown> {
  if (material === undefined) return module;
  @Module({
    imports: [module],
    providers: [{ provide: TlsReadiness, useValue: new TlsReadiness(material) }],
  })
  class SecureListenerModule {}
  return SecureListenerModule;
}

function logMode(resolved: ResolvedSecurityOptions, material: TlsMaterial | undefined): void {
  const logger = new Logger('Tls');
  const peerHeader = resolved.peerIdentityHeader;
  if (material === undefined) {
    logger.log({
      msg: 'plain HTTP on the main listener: TLS is expected to end at the ingress or the mesh',
      mode: 'http',
      ...(peerHeader === undefined ? {} : { peerIdentityHeader: peerHeader }),
    });
    return;
  }
  const tls = material.options;
  logger.log({
    msg:
      tls.clientCaFile === undefined
        ? 'HTTPS on the main listener, without client certificates'
        : `HTTPS with client certificates (mTLS, ${tls.clientAuth}) on the main listener`,
    mode: tls.clientCaFile === undefined ? 'https' : 'mtls',
    clientAuth: tls.clientCaFile === undefined ? 'off' : tls.clientAuth,
    minVersion: 'TLSv1.2',
    certificateNotAfter: material.notAfter.toISOString(),
    ...(peerHeader === undefined ? {} : { peerIdentityHeader: peerHeader }),
  });
}
