import { Inject } from '@nestjs/common';
import { BulwarkDatabase } from './bulwark-database.js';
import { DATABASE_OPTIONS } from './database.constants.js';

/**
 * Injects the {@link BulwarkDatabase} of `DatabaseModule`.
 *
 * @example
 * ```ts
 * constructor(@InjectDatabase() private readonly database: BulwarkDatabase<typeof schema>) {}
 * ```
 */
export function InjectDatabase(): PropertyDecorator & ParameterDecorator {
  return Inject(BulwarkDatabase);
}

/** Injects the resolved options of `DatabaseModule`. */
export function InjectDatabaseOptions(): PropertyDecorator & ParameterDecorator {
  return Inject(DATABASE_OPTIONS);
}
