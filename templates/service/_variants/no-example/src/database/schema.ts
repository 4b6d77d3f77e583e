/**
 * The service's tables, as Drizzle describes them (`pgTable`). Add yours here, with the
 * migration that creates them in migrations/ (such as 0001_create_orders.sql).
 */
export const schema = {};

/** The type of {@link schema}, for `BulwarkDatabase<Schema>`. */
export type Schema = typeof schema;
