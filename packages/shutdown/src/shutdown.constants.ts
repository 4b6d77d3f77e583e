/** Default of `delaySeconds` when `SHUTDOWN_DELAY_SECONDS` is unset. */
export const DEFAULT_SHUTDOWN_DELAY_SECONDS = 5;

/** Default of `timeoutSeconds` when `SHUTDOWN_TIMEOUT_SECONDS` is unset. */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 20;

/** Default of `idleGraceSeconds`. */
export const DEFAULT_IDLE_GRACE_SECONDS = 1;

/** Default of `hookTimeoutSeconds`. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 5;
