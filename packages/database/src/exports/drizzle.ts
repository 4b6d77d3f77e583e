/**
 * The Drizzle types behind `BulwarkDatabase.db`, for code that is generic over the query builder
 * (a helper taking the database or a transaction).
 *
 * @packageDocumentation
 */
export type { DatabaseQueryResultHKT, DrizzleDatabase } from '../bulwark-database.js';
