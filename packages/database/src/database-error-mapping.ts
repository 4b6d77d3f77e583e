import { ProblemException, problem } from '@bulwark/core';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { DrizzleQueryError } from 'drizzle-orm';
import { catchError, type Observable, throwError } from 'rxjs';

/** SQLSTATE classes and codes that the caller's input caused (PostgreSQL Appendix A). */
const BAD_INPUT_CODES = new Set(['23502', '23514', '54000', '54001']);
/** Conflicts with the stored state: a unique, exclusion or foreign-key rule, or a race. */
const CONFLICT_CODES = new Set(['23505', '23P01', '23503', '40001', '40P01']);
/** The database cannot answer now; the caller may retry. */
const UNAVAILABLE_CODES = new Set([
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '25P03',
  '28P01',
  '28000',
  '55P03',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The driver's error under Drizzle's wrapper, whose message holds the SQL and parameters. */
function unwrap(error: unknown): { error: unknown; database: boolean } {
  if (error instanceof DrizzleQueryError) return { error: error.cause ?? error, database: true };
  const candidate = error as { severity?: unknown; code?: unknown } | null;
  const database =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.severity === 'string' &&
    typeof candidate.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(candidate.code);
  return { error, database };
}

/**
 * Turns an error of the database into a problem that names no SQL, table, column or constraint:
 * a unique, exclusion or foreign-key violation (or a serialization failure) is 409, input the
 * database refuses (NUL bytes, too long, out of range, malformed) is 400, an unreachable or
 * overloaded database or a cancelled statement is 503 with `Retry-After`, and anything else is
 * a 500. The SQLSTATE (and constraint) goes to `reason`, for the log only. Errors that did not
 * come from the database are returned as they are.
 *
 * @example
 * ```ts
 * try { await db.insert(notes).values(note); }
 * catch (error) { throw mapDatabaseError(error); }
 * ```
 */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof ProblemException) return error;
  const { error: inner, database } = unwrap(error);
  const code = sqlState(inner);
  const network = code !== undefined && NETWORK_CODES.has(code);
  const connectionLost =
    inner instanceof Error &&
    /^Connection terminated|timeout exceeded when trying to connect/.test(inner.message);
  // A network error from elsewhere (an HTTP client) is not ours to map.
  if (!database && !connectionLost) return error;
  const constraint = (inner as { constraint?: unknown }).constraint;
  const reason = `database error ${code ?? 'connection'}${typeof constraint === 'string' ? ` (constraint ${constraint})` : ''}`;
  if (code !== undefined && CONFLICT_CODES.has(code)) {
    return problem('conflict', {
      detail:
        code === '23503'
          ? 'The request refers to a resource that does not exist, or one that is still in use.'
          : code.startsWith('40')
            ? 'The request conflicted with another one; retry it.'
            : 'A resource with the same unique value already exists.',
      reason,
    });
  }
  if (code !== undefined && (code.startsWith('22') || BAD_INPUT_CODES.has(code))) {
    return problem('bad-request', {
      detail:
        'A value in the request cannot be stored (for example a NUL character, or a value too long or out of range).',
      reason,
    });
  }
  if (
    network ||
    connectionLost ||
    (code !== undefined &&
      (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('53')))
  ) {
    return problem('service-unavailable', { headers: { 'Retry-After': '1' }, reason });
  }
  return problem('internal', { reason });
}

/**
 * Maps the database errors a handler throws with {@link mapDatabaseError}, for an app without
 * `@bulwark/errors`' `ProblemDetailsFilter`. `DatabaseModule` no longer registers it: it
 * registers `mapDatabaseError` as an exception mapper, which that filter applies to errors
 * thrown anywhere in a request (guards included) with no interceptor on any route. Register
 * this yourself (`{ provide: APP_INTERCEPTOR, useClass: DatabaseErrorInterceptor }`) only when
 * the app renders errors with another filter; it covers handlers only.
 */
@Injectable()
export class DatabaseErrorInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(catchError((error: unknown) => throwError(() => mapDatabaseError(error))));
  }
}
