import { HttpException } from '@nestjs/common';

/** The base of Bulwark's stable problem `type` URIs (RFC 9457 §3.1.1). */
export const PROBLEM_TYPE_BASE = 'urn:bulwark:problem:';

/**
 * Returns the stable `type` URI for a kind of problem.
 *
 * @example
 * ```ts
 * problemType('invalid-token'); // 'urn:bulwark:problem:invalid-token'
 * ```
 */
export function problemType(kind: string): string {
  return `${PROBLEM_TYPE_BASE}${kind}`;
}

/** An RFC 9457 problem details object, as Bulwark sends it. */
export interface ProblemDetails {
  /** A URI naming the kind of problem. */
  type: string;
  /** A short, human-readable summary of the kind; the same for every occurrence. */
  title: string;
  /** The HTTP status code. */
  status: number;
  /** A safe, human-readable explanation of this occurrence. Never internals or input echo. */
  detail?: string;
  /** The request path, without its query string. */
  instance?: string;
  /** The request id, for matching the response to the server log. */
  requestId?: string;
  /** Extension members (RFC 9457 §3.2), such as `errors` for validation failures. */
  [extension: string]: unknown;
}

/** What a {@link ProblemException} is built from. */
export interface ProblemInit {
  /** The kind, turned into the `type` URI by {@link problemType}. */
  kind: string;
  /** The HTTP status. */
  status: number;
  /** The summary for this kind. */
  title: string;
  /** A safe explanation of this occurrence. */
  detail?: string;
  /** Extension members, sent to the client: only safe values. */
  extensions?: Record<string, unknown>;
  /** The internal reason, for logs and metrics only; never sent to the client. */
  reason?: string;
  /**
   * Response headers that belong to this problem, such as `Retry-After` for a 503 (RFC 9110
   * §10.2.3). `@bulwark/errors` sets them on the response it sends. @default {}
   */
  headers?: Readonly<Record<string, string>>;
}

function bodyOf(init: ProblemInit): ProblemDetails {
  return {
    type: problemType(init.kind),
    title: init.title,
    status: init.status,
    ...(init.detail === undefined ? {} : { detail: init.detail }),
    ...init.extensions,
  };
}

/**
 * An HTTP exception that already carries a safe problem details body.
 *
 * Any Bulwark package can throw it; `@bulwark/errors` renders it as
 * `application/problem+json`, and Nest's default filter still renders its body as JSON.
 *
 * @example
 * ```ts
 * throw new ProblemException({ kind: 'not-found', status: 404, title: 'Not Found' });
 * ```
 * Prefer `problem(kind)` of the problem catalog, which takes the status, title and detail from the catalog.
 */
export class ProblemException extends HttpException {
  /** The internal reason, for logs and metrics; never sent to the client. */
  readonly reason: string | undefined;
  /** The problem body, without `instance` and `requestId`, which are added per request. */
  readonly problem: ProblemDetails;
  /** Response headers sent with the problem, such as `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param init - the problem's parts, or a problem to raise again as a subclass (as
   *   `@bulwark/secrets`' `PasswordHashBusyError` raises the catalog's `service-unavailable`).
   */
  constructor(init: ProblemInit | ProblemException) {
    const problem = init instanceof ProblemException ? { ...init.problem } : bodyOf(init);
    super(problem, problem.status);
    this.problem = problem;
    this.reason = init.reason;
    this.headers = { ...init.headers };
  }
}
