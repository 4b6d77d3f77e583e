import type { Principal } from '@bulwark/core';
import { PgDialect, pgTable, text } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { scopeQuery } from './scope-query.js';

const notes = pgTable('notes', { ownerId: text('owner_id').notNull() });
const dialect = new PgDialect();
const caller = (roles: string[] = []): Principal =>
  ({
    id: "https://idp|o'brien",
    issuer: 'https://idp',
    subject: "o'brien",
    roles,
    scopes: [],
  }) as unknown as Principal;

describe('scopeQuery', () => {
  it('binds the owner as a parameter, never in the SQL text', () => {
    expect(dialect.sqlToQuery(scopeQuery(caller(), notes.ownerId))).toMatchObject({
      sql: '"notes"."owner_id" = $1',
      params: ["https://idp|o'brien"],
    });
  });

  it('matches nothing for an anonymous caller', () => {
    expect(dialect.sqlToQuery(scopeQuery(undefined, notes.ownerId))).toMatchObject({
      sql: 'false',
      params: [],
    });
  });

  it('matches every row for a bypass role, and only then', () => {
    expect(
      dialect.sqlToQuery(scopeQuery(caller(['admin']), notes.ownerId, { bypassRoles: ['admin'] }))
        .sql,
    ).toBe('true');
    expect(dialect.sqlToQuery(scopeQuery(caller(['admin']), notes.ownerId)).sql).toBe(
      '"notes"."owner_id" = $1',
    );
  });

  it('uses ownerOf when given', () => {
    expect(
      dialect.sqlToQuery(scopeQuery(caller(), notes.ownerId, { ownerOf: (p) => p.subject })).params,
    ).toEqual(["o'brien"]);
  });
});
