import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The `notes` table, as migrations/0001_create_notes.sql creates it. Drizzle only reads this
 * description to type the queries; the table itself is created by the migration, never pushed.
 */
export const notes = pgTable('notes', {
  id: uuid('id').primaryKey(),
  /** The principal id (`iss|sub`) of the caller who created it: every query filters on it. */
  ownerId: text('owner_id').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});
