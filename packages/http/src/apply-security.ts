import type { Server } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import { addRequestStep } from '@bulwark/core/request';
import { ProblemDetailsFilter } from '@bulwark/errors';
import { useSafeBodyParser } from '@bulwark/errors/body-parser';
import { useRequestIds } from '@bulwark/errors/request-ids';
import { applicationValidationPipe } from '@bulwark/errors/validation';
import type { INestApplication } from '@nestjs/common';
import { corsOptions } from './cors.js';
import { HttpError } from './http.error.js';
import type { ResolvedSecurityOptions, SecurityOptions } from './http-options.interface.js';
import { peerIdentityStep } from './internal/peer-identity.js';
import { resolveSecurityOptions } from './internal/resolve-security-options.js';
import { installSecurityHeaders } from './security-headers.js';

function isResolved(
  options: SecurityOptions | ResolvedSecurityOptions,
): options is ResolvedSecurityOptions {
  return 'clientAddresses' in options;
}

/**
 * Hardens an app created elsewhere, before `app.init()`/`app.listen()`, on Express or Fastify,
 * in the order of the request path: request ids, security headers, CORS allow-list, the
 * hardened body parser, peer identity (the verified client certificate or a trusted proxy's
 * identity header, see `@bulwark/core`'s `Peer`), then the problem+json filter and the validation pipe
 * (`@bulwark/errors`). Also sets keep-alive, header and request timeouts on the server and,
 * on Express, the trusted proxies (on Fastify, `createSecureApp` passes them to the adapter).
 * Returns the resolved options, whose `clientAddresses` resolver the rate limiter can share.
 *
 * @throws BulwarkConfigError naming the option or variable at fault; HttpError on another adapter.
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, new ExpressAdapter());
 * applySecurity(app, { corsOrigins: ['https://app.example.com'] });
 * await app.listen(3000);
 * ```
 */
export function applySecurity(
  app: INestApplication,
  options: SecurityOptions | ResolvedSecurityOptions = {},
): ResolvedSecurityOptions {
  const resolved = isResolved(options) ? options : resolveSecurityOptions(options);
  const adapter = app.getHttpAdapter() as unknown as {
    getType(): string;
    getInstance(): {
      set?: (name: string, value: unknown) => void;
      disable?: (name: string) => void;
    };
  };
  const type = adapter.getType();
  if (type !== 'express' && type !== 'fastify') {
    throw new HttpError(
      'HTTP_UNSUPPORTED_ADAPTER',
      `applySecurity supports express and fastify, not "${type}"`,
    );
  }
  if (type === 'express') {
    const express = adapter.getInstance();
    express.disable?.('x-powered-by');
    express.set?.('trust proxy', resolved.trustProxy);
  }
  useRequestIds(app);
  installSecurityHeaders(adapter);
  if (resolved.corsOrigins.length > 0) app.enableCors(corsOptions(resolved));
  useSafeBodyParser(app, {
    bodyLimitBytes: resolved.bodyLimitBytes,
    maxDepth: resolved.maxJsonDepth,
    maxArrayLength: resolved.maxJsonArrayLength,
  });
  const server = app.getHttpServer() as Server | undefined;
  if (resolved.tls !== undefined && !(server instanceof TlsServer)) {
    throw new HttpError(
      'HTTP_TLS_UNAVAILABLE',
      `${resolved.tls.settings.certFile} is set but this app's server is plain HTTP: create the app with createSecureApp, which serves TLS, or unset it`,
    );
  }
  if (resolved.peerIdentityHeader !== undefined || resolved.tls?.clientCaFile !== undefined) {
    addRequestStep(
      adapter,
      {
        name: 'peer-identity',
        stage: 'peer-identity',
        onRequest: peerIdentityStep({
          tls: resolved.tls,
          header: resolved.peerIdentityHeader,
          clientAddresses: resolved.clientAddresses,
        }),
      },
      () => new HttpError('HTTP_UNSUPPORTED_ADAPTER', 'the adapter has no request hook'),
    );
  }
  app.useGlobalFilters(new ProblemDetailsFilter({ httpAdapter: app.getHttpAdapter() }));
  if (resolved.validation !== false) {
    const overrides = typeof resolved.validation === 'object' ? resolved.validation : {};
    app.useGlobalPipes(applicationValidationPipe(overrides, resolved.maxJsonDepth));
  }
  if (server) {
    server.keepAliveTimeout = resolved.keepAliveTimeoutMs;
    server.headersTimeout = resolved.headersTimeoutMs;
    server.requestTimeout = resolved.requestTimeoutMs;
  }
  return resolved;
}
