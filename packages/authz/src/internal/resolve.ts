import type { Principal } from '@bulwark/core';
import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type {
  AuthorizationContext,
  AuthorizationPolicy,
  ObjectRequirement,
  PolicyDecision,
  ResourceLoader,
} from '../authorization-requirement.interface.js';

type Loader = ObjectRequirement['load'];
type Policy = ObjectRequirement['policy'];

/** Whether a loader is an injectable class rather than a function. */
export function isLoaderClass(load: Loader): load is Type<ResourceLoader> {
  return typeof (load as { prototype?: { load?: unknown } }).prototype?.load === 'function';
}

/** Whether a policy is an injectable class rather than a function. */
export function isPolicyClass(policy: Policy): policy is Type<AuthorizationPolicy> {
  return (
    typeof (policy as { prototype?: { evaluate?: unknown } }).prototype?.evaluate === 'function'
  );
}

/**
 * Runs the loader, resolving an injectable class from the module graph. Returns what the loader
 * returns, a value or a promise: a synchronous loader costs no promise.
 */
export function runLoader(
  moduleRef: ModuleRef,
  load: Loader,
  context: AuthorizationContext,
): unknown {
  if (isLoaderClass(load)) return moduleRef.get(load, { strict: false }).load(context);
  return (load as (context: AuthorizationContext) => unknown)(context);
}

/** Runs the policy, resolving an injectable class from the module graph. Value or promise. */
export function runPolicy(
  moduleRef: ModuleRef,
  policy: Policy,
  principal: Principal,
  resource: unknown,
  context: AuthorizationContext,
): PolicyDecision | boolean | Promise<PolicyDecision | boolean> {
  if (isPolicyClass(policy)) {
    return moduleRef
      .get(policy, { strict: false })
      .evaluate(principal, context.action, resource, context);
  }
  return policy(principal, context.action, resource, context);
}

/** Whether a loader or policy answered with a promise (or any thenable) rather than a value. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The loader as a function, resolved once (when a route is planned): an injectable class is
 * looked up in the module graph now, not on every request. A class that cannot be resolved now
 * is looked up on each call, as before, so its error surfaces where it always did.
 */
export function resolvedLoader(
  moduleRef: ModuleRef,
  load: Loader,
): (context: AuthorizationContext) => unknown {
  if (!isLoaderClass(load)) return load as (context: AuthorizationContext) => unknown;
  let instance: ResourceLoader;
  try {
    instance = moduleRef.get(load, { strict: false });
  } catch {
    return (context) => runLoader(moduleRef, load, context);
  }
  return (context) => instance.load(context);
}

/** The policy as a function of the principal, resource and context, resolved once likewise. */
export function resolvedPolicy(
  moduleRef: ModuleRef,
  policy: Policy,
  action: string,
): (principal: Principal, resource: unknown, context: AuthorizationContext) => unknown {
  if (!isPolicyClass(policy)) {
    return (principal, resource, context) => policy(principal, action, resource, context);
  }
  let instance: AuthorizationPolicy;
  try {
    instance = moduleRef.get(policy, { strict: false });
  } catch {
    return (principal, resource, context) =>
      runPolicy(moduleRef, policy, principal, resource, context);
  }
  return (principal, resource, context) => instance.evaluate(principal, action, resource, context);
}
