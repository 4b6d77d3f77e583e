import type { ServerResponse } from 'node:http';
import { ProblemException, setResponseHeader } from '@bulwark/core';
import { mapException } from '@bulwark/core/problems';
import { assignRequestId, rawRequest, rawResponse } from '@bulwark/core/request';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { loggedPath, requestPath, withoutRequestUrl } from './internal/logged-path.js';
import { toProblem } from './internal/to-problem.js';

/** The media type of every error response (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface FastifyReplyLike {
  raw: ServerResponse;
  sent?: boolean;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload: Buffer): unknown;
}

function isFastifyReply(response: unknown): response is FastifyReplyLike {
  const reply = response as Partial<FastifyReplyLike>;
  return typeof reply.code === 'function' && typeof reply.send === 'function' && !!reply.raw;
}

function instanceOf(request: unknown): string {
  const path = requestPath(request);
  return path.length > 512 ? path.slice(0, 512) : path;
}

/**
 * Answers a request with the problem for `exception`, as {@link ProblemDetailsFilter} does,
 * from outside Nest's exception layer (a Fastify `frameworkErrors` handler, a raw hook).
 * Takes the adapter's request and response (or reply) objects.
 *
 * @example
 * ```ts
 * frameworkErrors: (error, request, reply) => sendProblem(error, request, reply),
 * ```
 */
export function sendProblem(exception: unknown, request: unknown, response: unknown): void {
  const requestId = assignRequestId(request, response);
  const { body, reason } = toProblem(exception);
  const problem = { ...body, instance: instanceOf(request), requestId };
  const path = loggedPath(request);
  const safeReason = reason === undefined ? undefined : withoutRequestUrl(reason, request, path);
  logProblem(exception, problem, safeReason, rawRequest(request).method, path);
  if (exception instanceof ProblemException) {
    for (const [name, value] of Object.entries(exception.headers)) {
      setResponseHeader(response, name, value);
    }
  }
  send(response, problem.status, JSON.stringify(problem));
}

const logger = new Logger('ProblemDetails');

function logProblem(
  exception: unknown,
  problem: { status: number; type: string; requestId: string },
  reason: string | undefined,
  method: string | undefined,
  path: string,
): void {
  const entry: Record<string, unknown> = {
    msg: 'request failed',
    requestId: problem.requestId,
    status: problem.status,
    type: problem.type,
    method,
    path,
    reason,
  };
  if (problem.status >= 500) {
    const error = exception instanceof Error ? exception : undefined;
    entry.err = { name: error?.name, message: error?.message, stack: error?.stack };
    logger.error(entry);
  } else if (problem.status === 404 || problem.status === 405) {
    logger.debug(entry);
  } else {
    logger.warn(entry);
  }
}

function send(response: unknown, status: number, json: string): void {
  const raw = rawResponse(response);
  if (raw.headersSent || raw.writableEnded || (isFastifyReply(response) && response.sent)) {
    // Part of another answer is on the wire: cutting the connection is the only honest end.
    raw.destroy();
    return;
  }
  if (isFastifyReply(response)) {
    // A Buffer, so that Fastify sends the media type as set, without a charset parameter.
    response.code(status).header('content-type', PROBLEM_CONTENT_TYPE).send(Buffer.from(json));
    return;
  }
  raw.statusCode = status;
  raw.setHeader('content-type', PROBLEM_CONTENT_TYPE);
  raw.setHeader('content-length', Buffer.byteLength(json));
  raw.end(json);
}

/**
 * Turns every exception on an HTTP route into `application/problem+json` (RFC 9457), on
 * Express and Fastify: a `ProblemException`'s body as is, any other HttpException as the
 * generic problem of its status, and anything else as a generic 500. Adds `instance` (the
 * path, without the query) and `requestId`. Headers already set on the response, such as
 * `WWW-Authenticate` or `Retry-After`, are kept, and a `ProblemException`'s own `headers` are
 * added. The full diagnostic (reason, cause, stack
 * for 5xx) goes to the log with the same request id, never to the client. The log names the
 * route template, or the path without its query and with segments over 32 characters
 * replaced, so that tokens carried in URLs stay out of it.
 *
 * @example
 * ```ts
 * app.useGlobalFilters(new ProblemDetailsFilter({ httpAdapter: app.getHttpAdapter() }));
 * ```
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  /**
   * @param adapterHost the app's adapter host, whose exception mappers
   *   (`registerExceptionMapper` of `@bulwark/core`) are asked about every error that is not an
   *   `HttpException`; injected when the filter is a provider (`ErrorsModule`), passed by
   *   `applyErrorHandling`. Without it no mapper is asked.
   */
  constructor(
    @Optional()
    @Inject(HttpAdapterHost)
    private readonly adapterHost?: { readonly httpAdapter?: object },
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const mapped =
      exception instanceof HttpException
        ? undefined
        : mapException(this.adapterHost?.httpAdapter, exception);
    sendProblem(mapped ?? exception, http.getRequest<unknown>(), http.getResponse<unknown>());
  }
}
