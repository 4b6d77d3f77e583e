import { ROUTE_METADATA } from '@bulwark/core/pipeline';
import type { Reflector } from '@nestjs/core';
import type { RateLimitRouteOptions } from '../rate-limit.decorator.js';
import { RateLimitError } from '../rate-limit.error.js';
import { DEFAULT_POLICY, policyOf, type ResolvedPolicy, shareOf } from './resolve-options.js';

/** The effective limit of one route. */
export interface RouteRule {
  readonly policy: ResolvedPolicy;
  /** The bucket namespace: the policy name, or the route for route-local limits. */
  readonly bucket: string;
  readonly scope: 'shared' | 'route';
  readonly cost: number;
}

// biome-ignore lint/complexity/noBannedTypes: Nest hands handlers and classes as Function.
type Target = Function;

/**
 * Resolves a route's declaration against the policies; throws `RateLimitError` for an unknown
 * policy or a cost above the limit. With `replicaShare` above 1 (limits kept per replica), the
 * rule holds this replica's share of the limit, and a cost above the share is charged as the
 * whole share.
 */
export function routeRule(
  reflector: Reflector,
  handler: Target,
  controller: Target,
  policies: ReadonlyMap<string, ResolvedPolicy>,
  replicaShare = 1,
): RouteRule {
  const declared = reflector.getAllAndOverride<RateLimitRouteOptions | undefined>(
    ROUTE_METADATA.rateLimit,
    [handler, controller],
  );
  const where = `${controller.name}.${handler.name}`;
  const cost = declared?.cost ?? 1;
  let rule: RouteRule;
  if (declared?.limit !== undefined) {
    const window = declared.windowSeconds ?? policies.get(DEFAULT_POLICY)?.windowSeconds ?? 60;
    const policy = policyOf(
      `@RateLimit() on ${where}`,
      declared.name ?? 'route',
      declared.limit,
      window,
    );
    rule = { policy, bucket: `route:${where}`, scope: 'route', cost };
  } else {
    const name = declared?.policy ?? DEFAULT_POLICY;
    const policy = policies.get(name);
    if (!policy) {
      throw new RateLimitError(
        'RATE_LIMIT_UNKNOWN_POLICY',
        `@RateLimit() on ${where} names policy "${name}", which is not in RateLimitModule's policies`,
      );
    }
    rule = { policy, bucket: name, scope: 'shared', cost };
  }
  if (cost > rule.policy.limit) {
    throw new RateLimitError(
      'RATE_LIMIT_INVALID_ROUTE',
      `@RateLimit() on ${where}: cost ${cost} exceeds the limit ${rule.policy.limit} of policy "${rule.policy.name}"`,
    );
  }
  if (replicaShare === 1) return rule;
  const policy = shareOf(rule.policy, replicaShare);
  return { ...rule, policy, cost: Math.min(cost, policy.limit) };
}
