/** Default of `statementTimeoutMs`: a statement running longer is cancelled by the server. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/** Default of `idleInTransactionTimeoutMs`: a session idle inside a transaction is ended. */
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/** Default of `connectionTimeoutMs`: how long opening one connection may take. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/** Default of `poolMax`: connections per process. */
export const DEFAULT_POOL_MAX = 10;

/** Default of `idleTimeoutMs`: an idle pooled connection is closed after this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Default of `passwordCheckMs`: how often `DATABASE_PASSWORD_FILE` is re-read. */
export const DEFAULT_PASSWORD_CHECK_MS = 5_000;

/** Default of `embedded`: where PGlite keeps its files outside production. */
export const DEFAULT_EMBEDDED_DIRECTORY = '.data/pglite';

/** Default of `migrationsTable`: where applied migration versions are recorded. */
export const DEFAULT_MIGRATIONS_TABLE = 'bulwark_schema_migrations';
