/** Default of `checkTimeoutMs`. */
export const DEFAULT_CHECK_TIMEOUT_MS = 1000;

/** Default of `cacheTtlMs`. */
export const DEFAULT_CACHE_TTL_MS = 1000;

/** Default of the `path` extra. */
export const DEFAULT_HEALTH_PATH = 'health';
