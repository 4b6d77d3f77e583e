import type { IncomingMessage } from 'node:http';
import { BulwarkConfigError, problem } from '@bulwark/core';
import { type Environment, envInt } from '@bulwark/core/env';
import type { INestApplication } from '@nestjs/common';
import type {
  BodyParserOptions,
  ResolvedBodyParserOptions,
} from './body-parser-options.interface.js';
import { ErrorsError } from './errors.error.js';
import { parseJsonBody, unsupportedBodyReason } from './internal/json-body.js';

/** The body limit when `BODY_LIMIT_BYTES` is unset: 100 KiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 102_400;

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BulwarkConfigError(name, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * Applies defaults (from `BODY_LIMIT_BYTES` for the limit) and validates the options.
 *
 * @throws BulwarkConfigError naming the option or variable at fault.
 * @example
 * ```ts
 * resolveBodyParserOptions({ maxDepth: 8 }).bodyLimitBytes; // 102400 unless BODY_LIMIT_BYTES is set
 * ```
 */
export function resolveBodyParserOptions(
  options: BodyParserOptions = {},
  env: Environment = process.env,
): ResolvedBodyParserOptions {
  const bodyLimitBytes =
    options.bodyLimitBytes === undefined
      ? envInt('BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, { min: 1, max: 1_073_741_824, env })
      : checkInt('bodyLimitBytes', options.bodyLimitBytes, 1, 1_073_741_824);
  return {
    bodyLimitBytes,
    maxDepth: checkInt('maxDepth', options.maxDepth ?? 32, 1, 1000),
    maxArrayLength: checkInt('maxArrayLength', options.maxArrayLength ?? 1000, 1, 10_000_000),
  };
}

/** Methods whose body is ignored, as Fastify ignores it. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE', 'CONNECT']);

function hasBody(request: IncomingMessage): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && length !== '0';
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: unknown, body?: Buffer) => {
      if (settled) return;
      settled = true;
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        // Discard the rest, so that the error response can still be written.
        request.resume();
        reject(error);
      } else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit)
        settle(problem('payload-too-large', { reason: `streamed body over ${limit} bytes` }));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(undefined, Buffer.concat(chunks, size));
    const onError = (error: Error) =>
      settle(problem('invalid-json', { reason: `read: ${error.message}` }));
    const onClose = () =>
      settle(problem('invalid-json', { reason: 'client closed before the body ended' }));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

type Next = (error?: unknown) => void;

function expressParsers(limits: ResolvedBodyParserOptions) {
  // Named like Nest's own parsers: Nest then skips registering its defaults at init.
  function jsonParser(request: IncomingMessage & { body?: unknown }, _: unknown, next: Next) {
    if (BODYLESS_METHODS.has(request.method ?? '') || !hasBody(request)) return next();
    const unsupported = unsupportedBodyReason(request.headers);
    if (unsupported) {
      request.resume();
      return next(problem('unsupported-media-type', { reason: unsupported }));
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limits.bodyLimitBytes) {
      request.resume();
      return next(problem('payload-too-large', { reason: `Content-Length ${declared}` }));
    }
    readBody(request, limits.bodyLimitBytes).then((raw) => {
      try {
        request.body = parseJsonBody(raw, limits);
      } catch (error) {
        return next(error);
      }
      next();
    }, next);
  }
  function urlencodedParser(_request: unknown, _response: unknown, next: Next) {
    next();
  }
  return [jsonParser, urlencodedParser];
}

interface BodyParserAdapter {
  getType(): string;
  use(...args: unknown[]): unknown;
  getInstance(): {
    removeAllContentTypeParsers?: () => void;
  };
  useBodyParser(
    type: string | RegExp,
    rawBody: boolean,
    options: Record<string, unknown>,
    parser: (
      request: IncomingMessage,
      body: Buffer,
      done: Next & ((e: unknown, v?: unknown) => void),
    ) => void,
  ): void;
}

function fastifyParsers(adapter: BodyParserAdapter, limits: ResolvedBodyParserOptions): void {
  adapter.getInstance().removeAllContentTypeParsers?.();
  const options = { bodyLimit: limits.bodyLimitBytes };
  const json = (
    request: IncomingMessage,
    body: Buffer,
    done: (e: unknown, v?: unknown) => void,
  ) => {
    const unsupported = unsupportedBodyReason(request.headers);
    if (unsupported) return done(problem('unsupported-media-type', { reason: unsupported }));
    try {
      done(null, parseJsonBody(body, limits));
    } catch (error) {
      done(error);
    }
  };
  adapter.useBodyParser('application/json', false, options, json);
  adapter.useBodyParser(/^application\/[a-z0-9.!#$&^_-]+\+json(?:[\s;]|$)/i, false, options, json);
  // Every other type; registered through Nest, so that Nest adds no default parser at init.
  adapter.useBodyParser('*', false, options, (request, _body, done) => {
    done(
      problem('unsupported-media-type', {
        reason: unsupportedBodyReason(request.headers) ?? 'none',
      }),
    );
  });
}

/**
 * Replaces the adapter's body parsers with one hardened JSON parser, on Express and Fastify:
 * bodies over the limit get 413, anything but UTF-8 JSON gets 415, invalid JSON, too deep
 * nesting, too long arrays and `__proto__`/`constructor` keys get 400, all as problem+json
 * once `ProblemDetailsFilter` is installed. Call it before `app.init()`/`app.listen()`.
 *
 * @throws BulwarkConfigError for an invalid option; ErrorsError on another adapter.
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, new ExpressAdapter());
 * useSafeBodyParser(app, { bodyLimitBytes: 64 * 1024 });
 * await app.listen(3000);
 * ```
 */
export function useSafeBodyParser(app: INestApplication, options: BodyParserOptions = {}): void {
  const limits = resolveBodyParserOptions(options);
  const adapter = app.getHttpAdapter() as unknown as BodyParserAdapter;
  const type = adapter.getType();
  if (type === 'express') {
    for (const parser of expressParsers(limits)) adapter.use(parser);
  } else if (type === 'fastify') {
    fastifyParsers(adapter, limits);
  } else {
    throw new ErrorsError(
      'ERRORS_UNSUPPORTED_ADAPTER',
      `useSafeBodyParser supports the express and fastify adapters, not "${type}"`,
    );
  }
}
