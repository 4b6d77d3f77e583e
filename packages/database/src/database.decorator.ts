import { Inject } from '@nestjs/common';
import { BulwarkDatabase } from './bulwark-database.js';

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
