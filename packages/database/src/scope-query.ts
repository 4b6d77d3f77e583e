import type { Principal } from '@bulwark/core';
import { BulwarkConfigError } from '@bulwark/core';
import { eq, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/** Options of {@link scopeQuery}. */
export interface ScopeQueryOptions {
  /** Roles that see every owner's rows (such as `admin` on a read route). @default [] */
  bypassRoles?: readonly string[];
  /** The owner value of a caller. @default the principal's `id` (`issuer|subject`) */
  ownerOf?: (caller: Principal) => string;
}

/**
 * Turns the caller into the owner condition of a query, so that object-level authorization is
 * in the SQL itself (`WHERE owner_id = $1`, the value bound) and not only in a guard. An
 * anonymous caller matches no row (`false`); a caller holding one of `bypassRoles` matches every
 * row (`true`).
 *
 * @example
 * ```ts
 * await db.select().from(notes)
 *   .where(and(scopeQuery(caller, notes.ownerId), eq(notes.id, id)));
 * await db.select().from(notes)
 *   .where(scopeQuery(caller, notes.ownerId, { bypassRoles: ['admin'] }));
 * ```
 */
export function scopeQuery(
  caller: Principal | undefined,
  ownerColumn: AnyPgColumn,
  options: ScopeQueryOptions = {},
): SQL {
  if (ownerColumn === undefined || ownerColumn === null) {
    throw new BulwarkConfigError('scopeQuery(ownerColumn)', 'must be a column of the table.');
  }
  if (caller === undefined || caller === null) return sql`false`;
  const bypass = options.bypassRoles ?? [];
  if (bypass.length > 0 && caller.roles.some((role) => bypass.includes(role))) return sql`true`;
  const owner = options.ownerOf ? options.ownerOf(caller) : caller.id;
  if (typeof owner !== 'string' || owner === '') return sql`false`;
  return eq(ownerColumn, owner);
}
