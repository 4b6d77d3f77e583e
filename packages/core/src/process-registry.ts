/**
 * Process-wide registries shared by packages that must not import each other: secret values
 * to redact (filled by `@bulwark/secrets`, read by `@bulwark/logging`) and the log-correlation
 * provider (set by `@bulwark/tracing`, read by `@bulwark/logging`).
 *
 * They live on `globalThis` under a `Symbol.for` key, so two copies of this package in one
 * process still share them.
 */
interface Registry {
  secrets: Set<string>;
  secretListeners: Set<(value: string) => void>;
  correlation: (() => Record<string, string> | undefined) | undefined;
}

const KEY = Symbol.for('bulwark.core.registry');

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[KEY] ??= { secrets: new Set(), secretListeners: new Set(), correlation: undefined };
  return holder[KEY];
}

/** Values shorter than this are not registered: redacting `a` or `1` would garble every log line. */
const MIN_SECRET_LENGTH = 6;

/**
 * Registers a secret value so that loggers replace it wherever it appears.
 *
 * @example
 * ```ts
 * registerSecretValue(redisPassword);
 * ```
 */
export function registerSecretValue(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || registry().secrets.has(value)) return;
  registry().secrets.add(value);
  for (const listener of registry().secretListeners) listener(value);
}

/** The secret values registered so far. */
export function registeredSecretValues(): ReadonlySet<string> {
  return registry().secrets;
}

/** Calls `listener` for each secret registered from now on. Returns the function that stops it. */
export function onSecretRegistered(listener: (value: string) => void): () => void {
  registry().secretListeners.add(listener);
  return () => {
    registry().secretListeners.delete(listener);
  };
}

/**
 * Sets the function that returns correlation fields for the current log line, such as
 * `{ trace_id, span_id }` from the active span. Pass `undefined` to remove it.
 */
export function setLogCorrelation(
  provider: (() => Record<string, string> | undefined) | undefined,
): void {
  registry().correlation = provider;
}

/** Correlation fields for a log line written now, or `undefined`. */
export function logCorrelation(): Record<string, string> | undefined {
  return registry().correlation?.();
}
