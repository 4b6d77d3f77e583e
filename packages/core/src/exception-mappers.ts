import type { ProblemException } from './problem.js';

/**
 * Turns an error a package knows (a database error, a client error) into the problem to answer
 * with, or returns `undefined` for an error it does not know. Must not throw.
 *
 * @example
 * ```ts
 * const mapper: ExceptionMapper = (error) =>
 *   error instanceof QueueFullError ? problem('service-unavailable') : undefined;
 * ```
 */
export type ExceptionMapper = (error: unknown) => ProblemException | undefined;

const MAPPERS = Symbol.for('bulwark.core.exceptionMappers');

type MapperHolder = Record<symbol, readonly ExceptionMapper[] | undefined>;

/**
 * Registers `mapper` for the app of `adapter` (its Nest `HttpAdapter`), once: a second
 * registration of the same function is a no-op. `@bulwark/errors`' `ProblemDetailsFilter` asks
 * the app's mappers, in the order they were registered, about every error that is not an
 * `HttpException`, wherever it was thrown (middleware, guard, interceptor, pipe or handler), and
 * answers with the first problem one returns. Mappers are kept on the adapter, so two apps in
 * one process each have their own. Without that filter nothing reads them.
 *
 * @example
 * ```ts
 * onModuleInit() {
 *   registerExceptionMapper(this.adapterHost.httpAdapter, mapQueueError);
 * }
 * ```
 */
export function registerExceptionMapper(adapter: object, mapper: ExceptionMapper): void {
  const holder = adapter as MapperHolder;
  const current = holder[MAPPERS] ?? [];
  if (current.includes(mapper)) return;
  // Replaced, never mutated: an error being mapped keeps the list it started with.
  holder[MAPPERS] = [...current, mapper];
}

/**
 * The problem the first of `adapter`'s {@link registerExceptionMapper | mappers} makes of
 * `error`, or `undefined` when none knows it (or there is no adapter). A mapper that throws
 * is skipped.
 */
export function mapException(
  adapter: object | undefined,
  error: unknown,
): ProblemException | undefined {
  const mappers = adapter === undefined ? undefined : (adapter as MapperHolder)[MAPPERS];
  if (mappers === undefined) return undefined;
  for (let index = 0; index < mappers.length; index++) {
    let mapped: ProblemException | undefined;
    try {
      mapped = (mappers[index] as ExceptionMapper)(error);
    } catch {
      mapped = undefined;
    }
    if (mapped !== undefined) return mapped;
  }
  return undefined;
}
