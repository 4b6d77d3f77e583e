import { type ProblemDetails, ProblemException, problemType } from '@bulwark/core';
import { HttpException } from '@nestjs/common';
import { statusProblem } from './problem-catalog.js';

/** What the filter sends and what it logs for one exception. */
export interface ResolvedProblem {
  /** The body for the client, before `instance` and `requestId` are added. */
  body: ProblemDetails;
  /** The internal reason, for the log only. */
  reason: string | undefined;
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  // http-errors (body-parser and friends) and Fastify errors carry a numeric status.
  const candidate = exception as { statusCode?: unknown; status?: unknown } | null;
  if (candidate && typeof candidate === 'object' && exception instanceof Error) {
    const value = candidate.statusCode ?? candidate.status;
    if (typeof value === 'number') return value;
  }
  return undefined;
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
 * explains the occurrence, it is not a debugging aid).
 */
export function toProblem(exception: unknown): ResolvedProblem {
  if (exception instanceof ProblemException) {
    return { body: { ...exception.problem }, reason: exception.reason };
  }
  const raw = statusOf(exception);
  const status = raw !== undefined && Number.isInteger(raw) && raw >= 400 && raw <= 599 ? raw : 500;
  const { kind, title, detail } = statusProblem(status);
  return {
    body: { type: problemType(kind), title, status, detail },
    reason: describe(exception),
  };
}
