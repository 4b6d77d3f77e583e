import { getRequestId, type Principal, type ProblemException, problem } from '@bulwark/core';
import { publishSecurityEvent } from '@bulwark/core/events';

/** Why a request was denied: the `reason` of the security event and of the problem. */
export type DenialReason =
  | 'unauthenticated'
  | 'undeclared_route'
  | 'unsupported_context'
  | 'insufficient_scope'
  | 'missing_role'
  | 'missing_permission'
  | 'policy_denied'
  | 'policy_error'
  | 'loader_error'
  | 'peer_missing'
  | 'peer_not_allowed';

/** What a denial is about. */
export interface DenialInit {
  readonly reason: DenialReason;
  readonly status: 401 | 403 | 404;
  readonly request: unknown;
  readonly response: unknown;
  readonly route: string;
  readonly principal: Principal | undefined;
  readonly action?: string | undefined;
  /** Scopes to name in `WWW-Authenticate` (RFC 6750 §3), for `insufficient_scope`. */
  readonly scopes?: readonly string[];
  /** The calling service's id, for `peer_not_allowed`. */
  readonly peer?: string | undefined;
}

/**
 * Publishes the `authorization.denied` event and builds the problem to throw. The event carries
 * the principal id, route, action and reason, never the token.
 */
export function deny(init: DenialInit): ProblemException {
  publishSecurityEvent({
    kind: 'authorization.denied',
    reason: init.reason,
    requestId: getRequestId(init.request),
    principalId: init.principal?.id,
    route: init.route,
    details:
      init.action === undefined && init.peer === undefined
        ? undefined
        : {
            ...(init.action === undefined ? {} : { action: init.action }),
            ...(init.peer === undefined ? {} : { peer: init.peer }),
          },
  });
  return denialProblem(init);
}

/**
 * The problem a denial answers with; object-level 404s look exactly like a missing object. A 401
 * is `@bulwark/auth`'s own `authentication-required`, in the realm and scheme auth recorded.
 */
export function denialProblem(init: DenialInit): ProblemException {
  switch (init.status) {
    case 401:
      return problem('authentication-required', { reason: init.reason, response: init.response });
    case 403:
      if (init.reason === 'insufficient_scope') {
        // RFC 6750 §3: the scope attribute lists the scopes needed, space-delimited.
        return problem('insufficient-scope', {
          reason: init.reason,
          challenge: { scope: init.scopes ?? [] },
          response: init.response,
        });
      }
      return forbidden(init.reason);
    case 404:
      return notFound(init.reason);
    default: {
      const unreachable: never = init.status;
      throw new Error(`unknown denial status ${String(unreachable)}`);
    }
  }
}

/** The 403 of an authorization decision. */
export function forbidden(reason: string): ProblemException {
  return problem('forbidden', { detail: 'You are not allowed to perform this action.', reason });
}

/** The 404 of a missing object, also used for denials so that existence is not revealed. */
export function notFound(reason: string): ProblemException {
  return problem('not-found', { detail: 'The resource was not found.', reason });
}
