import { notes } from '../notes/notes.table.js';

/** The service's tables, as Drizzle describes them. Add yours here, with their migration. */
export const schema = { notes };

/** The type of {@link schema}, for `BulwarkDatabase<Schema>`. */
export type Schema = typeof schema;
