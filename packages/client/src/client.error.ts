import { ProblemException, problem } from '@bulwark/core';

/**
 * Why a service call failed. Never shown to the caller of this service; for logs, metrics and
 * the code that handles the error.
 */
export type ServiceCallReason =
  /** The downstream answered with a status outside 2xx (see `downstreamStatus`). */
  | 'downstream_status'
  /** The call's deadline or the incoming request's ran out. */
  | 'deadline'
  /** The connection could not be made (refused, reset, TLS failure). */
  | 'connect'
  /** The server's certificate does not name the expected peer. */
  | 'peer_mismatch'
  /** The circuit breaker is open. */
  | 'breaker_open'
  /** The token endpoint failed or refused the client. */
  | 'token'
  /** The incoming token's audiences do not include this client's audience. */
  | 'audience_mismatch'
  /** The call needs an incoming token and there is none, or it is DPoP-bound. */
  | 'no_incoming_token'
  /** The path or URL would leave the client's origin, or the address is not allowed. */
  | 'destination_refused'
  /** A redirect to another origin, or too many redirects. */
  | 'redirect_refused'
  /** The response body is larger than `maxResponseBytes`. */
  | 'response_too_large'
  /** The body is not JSON, or the response validator refused it. */
  | 'invalid_response';

/** What a {@link ServiceCallError} is made from. */
export interface ServiceCallFailure {
  /** The client's name. */
  target: string;
  /** Why. */
  reason: ServiceCallReason;
  /** The downstream's status, when it answered. */
  downstreamStatus?: number;
  /** A message for the log: no token, no downstream body. */
  message: string;
  /** Seconds until a retry can help, for the breaker's 503. */
  retryAfterSeconds?: number;
  /** The underlying error. */
  cause?: unknown;
}

const STATUS: Record<ServiceCallReason, 502 | 503 | 504> = {
  downstream_status: 502,
  deadline: 504,
  connect: 502,
  peer_mismatch: 502,
  breaker_open: 503,
  token: 502,
  audience_mismatch: 502,
  no_incoming_token: 502,
  destination_refused: 502,
  redirect_refused: 502,
  response_too_large: 502,
  invalid_response: 502,
};

/**
 * A failed call to another service. Unhandled, it is this service's own problem: 502 Bad
 * Gateway, 504 Gateway Timeout on a deadline, or 503 with `Retry-After` while the breaker is
 * open. It never carries the downstream's status as ours, nor any byte of its body.
 *
 * @example
 * ```ts
 * try {
 *   await orders.get('/orders/1');
 * } catch (error) {
 *   if (error instanceof ServiceCallError && error.downstreamStatus === 404) return undefined;
 *   throw error;
 * }
 * ```
 */
export class ServiceCallError extends ProblemException {
  /** The client's name. */
  readonly target: string;
  /** Why the call failed. */
  readonly code: ServiceCallReason;
  /** The downstream's HTTP status, when it answered. */
  readonly downstreamStatus: number | undefined;

  constructor(failure: ServiceCallFailure) {
    const status = STATUS[failure.reason];
    const kind =
      status === 504
        ? 'upstream-timeout'
        : status === 503
          ? 'upstream-unavailable'
          : 'upstream-failed';
    super(
      problem(kind, {
        reason: `${failure.target}: ${failure.reason}`,
        headers:
          failure.retryAfterSeconds === undefined
            ? {}
            : { 'retry-after': String(Math.max(1, Math.ceil(failure.retryAfterSeconds))) },
      }),
    );
    this.name = 'ServiceCallError';
    this.message = `${failure.target}: ${failure.message}`;
    this.target = failure.target;
    this.code = failure.reason;
    this.downstreamStatus = failure.downstreamStatus;
    if (failure.cause !== undefined) this.cause = failure.cause;
  }
}
