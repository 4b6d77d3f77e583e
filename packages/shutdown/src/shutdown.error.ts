import { BulwarkError } from '@bulwark/core';

/** Codes of {@link ShutdownError}. */
export type ShutdownErrorCode = 'SHUTDOWN_HOOK_TIMEOUT';

/** A shutdown step that went wrong; logged, never allowed to block the exit. */
export class ShutdownError extends BulwarkError<ShutdownErrorCode> {}
