import { ProblemException } from '@bulwark/core';
import { type ExceptionMapper, registerExceptionMapper } from '@bulwark/core/problems';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { mapDatabaseError } from '../database-error-mapping.js';

/** `mapDatabaseError` as an exception mapper: a problem for a database error, else nothing. */
export const databaseExceptionMapper: ExceptionMapper = (error) => {
  const mapped = mapDatabaseError(error);
  return mapped !== error && mapped instanceof ProblemException ? mapped : undefined;
};

/**
 * Registers {@link databaseExceptionMapper} on the app's HTTP adapter as the app initialises,
 * so that `@bulwark/errors`' filter maps database errors thrown anywhere in a request (a guard's
 * loader too), with no interceptor on any route. Nothing happens in an app without HTTP.
 */
@Injectable()
export class DatabaseExceptionMapperRegistration implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as object | undefined;
    if (adapter) registerExceptionMapper(adapter, databaseExceptionMapper);
  }
}
