import type { RawSession } from './raw-session.js';

const UNDEFINED_TABLE = '42P01';

/** The highest applied version in the migrations table; 0 when the table does not exist yet. */
export async function readSchemaVersion(session: RawSession, table: string): Promise<number> {
  try {
    const rows = await session.query<{ version: number | null }>(
      `SELECT max(version)::int AS version FROM ${table}`,
    );
    return rows[0]?.version ?? 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return 0;
    throw error;
  }
}
