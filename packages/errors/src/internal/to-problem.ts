import { type ProblemDetails, ProblemException } from '@bulwark/core';
import { problemForStatus } from '@bulwark/core/problems';
import { HttpException } from '@nestjs/common';
import { requestError } from './request-errors.js';

/** What the filter sends and what it logs for one exception. */
export interface ResolvedProblem {
  /** The body for the client, before `instance` and `requestId` are added. */
  body: ProblemDetails;
  /** The internal reason, for the log only. */
  reason: string | undefined;
}

/**
 * The status an exception sets, with the reason to log when the status came from a request
 * error. Only Nest's `HttpException` (Bulwark's `ProblemException` is one) and the framework's
 * own request errors set it: a `status` on anything else, such as a dependency's HTTP client
 * error, is not this service's answer to its caller.
 */
function statusOf(exception: unknown): { status: number; reason?: string } | undefined {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (!Number.isInteger(status) || status < 400 || status > 599) return undefined;
    // Nest's adapters wrap a framework's request error in an HttpException, with the original
    // as its cause; body-parser's message (and so the wrapper's) quotes the body.
    const wrapped = requestError(exception.cause);
    return wrapped ? { status, reason: wrapped.reason } : { status };
  }
  return requestError(exception);
}

function describe(exception: unknown): string {
  if (exception instanceof Error) {
    const cause = exception.cause instanceof Error ? ` (cause: ${exception.cause.message})` : '';
    return `${exception.name}: ${exception.message}${cause}`;
  }
  return `non-error thrown: ${typeof exception}`;
}

/**
 * Turns anything thrown into a safe problem. Only a {@link ProblemException}'s body reaches
 * the client as written: every other message may hold internals or echo input, so it goes to
 * the log and the client gets the generic text of the status (RFC 9457 §3.1.4: `detail`
 * explains the occurrence, it is not a debugging aid). The status is an `HttpException`'s, or
 * that of an error the framework raised reading the request (body parser, router); any other
 * error is a 500, whatever `status` or `statusCode` it carries.
 */
export function toProblem(exception: unknown): ResolvedProblem {
  if (exception instanceof ProblemException) {
    return { body: { ...exception.problem }, reason: exception.reason };
  }
  const known = statusOf(exception);
  const status = known?.status ?? 500;
  return {
    body: { ...problemForStatus(status).problem },
    reason: known?.reason ?? describe(exception),
  };
}
