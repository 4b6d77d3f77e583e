import { ProblemException } from '@bulwark/core';
import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { mapDatabaseError } from './database-error-mapping.js';

function pgError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`server says ${code}`), { severity: 'ERROR', code, ...extra });
}
const wrapped = (cause: unknown) =>
  new DrizzleQueryError(
    'insert into "notes" ("title") values ($1)',
    ['secret value'],
    cause as Error,
  );

function problem(error: unknown) {
  const mapped = mapDatabaseError(error);
  expect(mapped).toBeInstanceOf(ProblemException);
  const exception = mapped as ProblemException;
  return {
    status: exception.getStatus(),
    body: exception.problem,
    reason: exception.reason,
    headers: exception.headers,
  };
}

describe('mapDatabaseError', () => {
  it('turns a unique violation into 409, with the constraint in the reason only', () => {
    expect(
      problem(wrapped(pgError('23505', { constraint: 'notes_owner_title_key', table: 'notes' }))),
    ).toEqual({
      status: 409,
      body: {
        type: 'urn:bulwark:problem:conflict',
        title: 'Conflict',
        status: 409,
        detail: 'A resource with the same unique value already exists.',
      },
      reason: 'database error 23505 (constraint notes_owner_title_key)',
      headers: {},
    });
  });

  it.each([
    ['22021', 400],
    ['22001', 400],
    ['22P02', 400],
    ['23502', 400],
    ['23514', 400],
    ['54000', 400],
    ['23503', 409],
    ['40001', 409],
    ['57014', 503],
    ['08006', 503],
    ['53300', 503],
    ['28P01', 503],
    ['42501', 500],
    ['42P01', 500],
  ])('maps SQLSTATE %s to %i, naming no SQL', (code, status) => {
    const { status: actual, body } = problem(wrapped(pgError(code)));
    expect(actual).toBe(status);
    expect(JSON.stringify(body)).not.toMatch(/insert|notes|secret value|server says/);
  });

  it('maps a refused connection under Drizzle to 503 with Retry-After', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(problem(wrapped(refused))).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '1' },
    });
  });

  it('maps a driver error that reached the handler unwrapped', () => {
    expect(problem(pgError('23505')).status).toBe(409);
  });

  it('returns other errors as they are', () => {
    const plain = new Error('not ours');
    expect(mapDatabaseError(plain)).toBe(plain);
    const http = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(mapDatabaseError(http)).toBe(http);
    const problemException = new ProblemException({
      kind: 'not-found',
      status: 404,
      title: 'Not Found',
    });
    expect(mapDatabaseError(problemException)).toBe(problemException);
  });
});
