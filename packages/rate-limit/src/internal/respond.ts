import {
  getPrincipal,
  getRequestId,
  type ProblemException,
  problem,
  setResponseHeader,
} from '@bulwark/core';
import { publishSecurityEvent } from '@bulwark/core/events';
import { rawRequest } from '@bulwark/core/request';
import { resolveRouteTemplate } from '@bulwark/core/routes';
import type { RateLimitedInfo } from '../rate-limit-options.interface.js';
import type { RateLimitDecision } from '../rate-limit-store.interface.js';
import type { ResolvedPolicy } from './resolve-options.js';

/** The seconds a client waits after a 503 from the `closed` failure mode. */
const CLOSED_RETRY_SECONDS = 5;

/**
 * Sets `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers §3, §4): the
 * policy's quota `q` per window `w`, and the remaining units `r` and the seconds `t` until the
 * quota is full again. The name is a structured-field string (RFC 9651 §3.3.3).
 */
export function setRateLimitHeaders(
  response: unknown,
  policy: ResolvedPolicy,
  decision: RateLimitDecision,
): void {
  setResponseHeader(
    response,
    'RateLimit-Policy',
    `"${policy.name}";q=${policy.limit};w=${policy.windowSeconds}`,
  );
  setResponseHeader(
    response,
    'RateLimit',
    `"${policy.name}";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
  );
}

function routeOf(request: unknown): string | undefined {
  const template = resolveRouteTemplate(request);
  return template === undefined ? undefined : `${rawRequest(request).method ?? 'GET'} ${template}`;
}

/** Publishes the event, calls the hook and builds the 429 or 503 to throw. */
export function refuse(
  request: unknown,
  response: unknown,
  init: {
    policy: ResolvedPolicy;
    decision: RateLimitDecision | undefined;
    reason: RateLimitedInfo['reason'];
    clientAddress: string;
    onLimited: ((info: RateLimitedInfo) => void) | undefined;
  },
): ProblemException {
  const principal = getPrincipal(request);
  const route = routeOf(request);
  const retryAfter =
    init.decision === undefined
      ? CLOSED_RETRY_SECONDS
      : Math.max(1, Math.ceil(init.decision.retryAfterMs / 1000));
  // RFC 9110 §10.2.3: delay-seconds.
  setResponseHeader(response, 'Retry-After', String(retryAfter));
  publishSecurityEvent({
    kind: 'rate_limit.exceeded',
    reason: init.reason,
    requestId: getRequestId(request),
    principalId: principal?.id,
    route,
    clientAddress: init.clientAddress,
    details: {
      policy: init.policy.name,
      limit: init.policy.limit,
      windowSeconds: init.policy.windowSeconds,
    },
  });
  try {
    init.onLimited?.({
      policy: init.policy.name,
      reason: init.reason,
      keyType: principal ? 'principal' : 'address',
      route,
    });
  } catch {
    // A failing metrics hook must not turn a 429 into a 500.
  }
  if (init.decision === undefined) {
    return problem('rate-limit-unavailable', {
      reason: 'rate limit store unavailable (closed failure mode)',
    });
  }
  return problem('rate-limited', {
    detail:
      init.reason === 'auth_failure'
        ? `Too many failed authentication attempts. Retry after ${retryAfter} seconds.`
        : `The rate limit "${init.policy.name}" is exhausted. Retry after ${retryAfter} seconds.`,
    reason: init.reason,
  });
}
