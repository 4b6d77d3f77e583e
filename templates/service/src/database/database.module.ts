import { fileURLToPath } from 'node:url';
import { DatabaseModule } from '@bulwark/database';
import { latestMigrationVersion } from '@bulwark/database/migrations';
import { Module } from '@nestjs/common';
import { schema } from './schema.js';

/** The migrations folder shipped with this build (migrations/ beside src/ and dist/). */
export const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * The database (`@bulwark/database`): PostgreSQL from `DATABASE_URL` (required in production,
 * over TLS verify-full, as the least-privilege app role), or embedded PGlite under `.data/`
 * when it is unset outside production (in memory under `NODE_ENV=test`).
 *
 * The service never migrates PostgreSQL: `npm run migrate` does, with the migration role, as
 * its own step. It only checks at start-up that the applied schema version is the one of the
 * files in migrations/, and stays unready (503 on /health/ready) until it is. Only embedded
 * PGlite, which has no separate step, gets the migrations applied as it opens.
 */
@Module({
  imports: [
    DatabaseModule.forRoot({
      schema,
      expectedSchemaVersion: latestMigrationVersion(MIGRATIONS),
      embeddedMigrations: MIGRATIONS,
      ...(process.env.NODE_ENV === 'test' ? { embedded: 'memory' } : {}),
    }),
  ],
})
export class DataModule {}
