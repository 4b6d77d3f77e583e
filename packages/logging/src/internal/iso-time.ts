let cachedAt = Number.NaN;
let cachedIso = '';

/**
 * `new Date().toISOString()`, computed at most once per millisecond: many lines are written in
 * the same millisecond under load, and the formatting is what pino's `isoTime` spends its time
 * on. The string is exactly the one `toISOString` gives for the current millisecond.
 */
export function isoNow(): string {
  const now = Date.now();
  if (now !== cachedAt) {
    cachedAt = now;
    cachedIso = new Date(now).toISOString();
  }
  return cachedIso;
}

/** pino's `timestamp` option writing {@link isoNow}: the same `"time"` as `stdTimeFunctions.isoTime`. */
export function isoTimestamp(): string {
  return `,"time":"${isoNow()}"`;
}
