import { type CustomDecorator, SetMetadata } from '@nestjs/common';

/** The metadata key {@link ShutdownHook} sets on a provider class. */
export const SHUTDOWN_HOOK = 'bulwark:shutdown-hook';

/** What {@link ShutdownHook} records: the hook's name and its place in the run order. */
export interface ShutdownHookMetadata {
  /** A stable name shown in the shutdown log, such as `telemetry` or `redis`. */
  name: string;
  /** Lower runs first; hooks with the same order run in discovery order. */
  order: number;
}

/**
 * A provider that releases a resource when the process shuts down. Mark it with
 * {@link ShutdownHook}; `@bulwark/shutdown` finds every such provider through Nest's discovery
 * and calls it once, after in-flight requests have drained, so packages contribute hooks
 * without importing the shutdown package.
 */
export interface ShutdownHandler {
  /** Flushes or closes; it may throw or hang, and the exit still happens (bounded by a timeout). */
  onShutdown(): void | Promise<void>;
}

/**
 * Marks a provider implementing {@link ShutdownHandler} as a shutdown hook.
 *
 * @param name a stable name for the shutdown log, such as `telemetry` or `redis`.
 * @param options.order lower runs first. Close the things that produce telemetry before the
 *   exporter flushes. @default 0
 * @example
 * ```ts
 * @ShutdownHook('redis')
 * @Injectable()
 * class RedisStore implements ShutdownHandler {
 *   async onShutdown() { await this.client.quit(); }
 * }
 * ```
 */
export function ShutdownHook(
  name: string,
  options: { order?: number } = {},
): CustomDecorator<string> {
  const metadata: ShutdownHookMetadata = { name, order: options.order ?? 0 };
  return SetMetadata(SHUTDOWN_HOOK, metadata);
}
