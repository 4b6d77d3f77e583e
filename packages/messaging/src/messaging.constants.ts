/** Default of `prefetch` when `MESSAGING_PREFETCH` is unset. */
export const DEFAULT_PREFETCH = 16;

/** Default of `maxAttempts` when `MESSAGING_MAX_ATTEMPTS` is unset. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** Default of `retryDelayMs` when `MESSAGING_RETRY_DELAY_MS` is unset. */
export const DEFAULT_RETRY_DELAY_MS = 5000;

/** Default of `maxMessageBytes` when `MESSAGING_MAX_MESSAGE_BYTES` is unset. */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

/** Default of `maxAgeSeconds` when `MESSAGING_MAX_AGE_SECONDS` is unset. */
export const DEFAULT_MAX_AGE_SECONDS = 300;

/** Default of `publishBufferSize` when `MESSAGING_PUBLISH_BUFFER` is unset. */
export const DEFAULT_PUBLISH_BUFFER_SIZE = 1000;

/** Default of `publishTimeoutMs` when `MESSAGING_PUBLISH_TIMEOUT_MS` is unset. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;

/** Default of `reconnectMinDelayMs`. */
export const DEFAULT_RECONNECT_MIN_DELAY_MS = 250;

/** Default of `reconnectMaxDelayMs`. */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;

/** Default of `dedupeCapacity`. */
export const DEFAULT_DEDUPE_CAPACITY = 10_000;

/** Default of `keyReloadIntervalMs`. */
export const DEFAULT_KEY_RELOAD_INTERVAL_MS = 5000;

/** The header carrying the producer's JWS. */
export const SIGNATURE_HEADER = 'x-bulwark-signature';

/** The header carrying the delivery attempt, set by the consumer when it schedules a retry. */
export const ATTEMPT_HEADER = 'x-bulwark-attempt';

/** The `typ` of a message signature (RFC 7515 §4.1.9). */
export const SIGNATURE_TYPE = 'bulwark-message+jwt';
