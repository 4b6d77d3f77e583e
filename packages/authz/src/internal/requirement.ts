import { ROUTE_METADATA } from '@bulwark/core/pipeline';
import type {
  AuthorizationRequirement,
  NameRequirement,
} from '../authorization-requirement.interface.js';
import { AuthzError } from '../authz.error.js';

type Target = object;

/** A controller class, as the route metadata sees it. */
export type ControllerTarget = abstract new (...args: never) => unknown;

/** A route handler, as the route metadata sees it. */
export type HandlerTarget = (...args: never) => unknown;

/** The requirement stored on one target (a handler or a controller class). */
export function readRequirement(target: Target): AuthorizationRequirement | undefined {
  return Reflect.getMetadata(ROUTE_METADATA.authorization, target) as
    | AuthorizationRequirement
    | undefined;
}

/**
 * Adds members to the requirement of a target. Several decorators on one handler each add their
 * kind, instead of the last `SetMetadata` winning.
 */
export function mergeRequirement(target: Target, addition: AuthorizationRequirement): void {
  const current = readRequirement(target) ?? {};
  for (const key of Object.keys(addition) as (keyof AuthorizationRequirement)[]) {
    if (current[key] !== undefined) {
      throw new AuthzError(
        'AUTHZ_INVALID_DECLARATION',
        `the "${key}" requirement is declared twice on the same target; declare it once`,
      );
    }
  }
  Reflect.defineMetadata(ROUTE_METADATA.authorization, { ...current, ...addition }, target);
}

/** The effective requirement of a route: the controller's, overridden kind by kind by the handler's. */
export function effectiveRequirement(
  controller: ControllerTarget,
  handler: HandlerTarget,
): AuthorizationRequirement | undefined {
  const onClass = readRequirement(controller);
  const onHandler = readRequirement(handler);
  if (!onClass && !onHandler) return undefined;
  return { ...onClass, ...onHandler };
}

/** Whether the handler or its controller is marked `@Public()`. */
export function isPublic(controller: ControllerTarget, handler: HandlerTarget): boolean {
  const onHandler = Reflect.getMetadata(ROUTE_METADATA.public, handler) as boolean | undefined;
  if (onHandler !== undefined) return onHandler === true;
  return Reflect.getMetadata(ROUTE_METADATA.public, controller) === true;
}

/**
 * Normalises a single name or an explicit `{ allOf }` / `{ anyOf }` into a
 * {@link NameRequirement}, and refuses empty or ambiguous declarations at decoration time.
 */
export function toNameRequirement(kind: string, spec: string | NameRequirement): NameRequirement {
  if (typeof spec === 'string') {
    assertNames(kind, [spec]);
    return { allOf: [spec] };
  }
  const hasAll = 'allOf' in spec;
  const hasAny = 'anyOf' in spec;
  if (hasAll === hasAny) {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      `@Require${kind}() takes a single name, { allOf: [...] } or { anyOf: [...] }, not both`,
    );
  }
  const names = hasAll
    ? (spec as { allOf: readonly string[] }).allOf
    : (spec as { anyOf: readonly string[] }).anyOf;
  assertNames(kind, names);
  return hasAll ? { allOf: [...names] } : { anyOf: [...names] };
}

function assertNames(kind: string, names: readonly unknown[]): void {
  if (!Array.isArray(names) || names.length === 0) {
    throw new AuthzError(
      'AUTHZ_INVALID_DECLARATION',
      `@Require${kind}() needs at least one name; an empty list would allow everyone`,
    );
  }
  for (const name of names) {
    if (typeof name !== 'string' || name.trim() === '' || /\s/.test(name)) {
      throw new AuthzError(
        'AUTHZ_INVALID_DECLARATION',
        `@Require${kind}() names must be non-empty strings without spaces`,
      );
    }
  }
}

/** Whether `granted` satisfies the requirement, and which names are missing. */
export function satisfies(requirement: NameRequirement, granted: readonly string[]): boolean {
  if ('allOf' in requirement) return requirement.allOf.every((name) => granted.includes(name));
  return requirement.anyOf.some((name) => granted.includes(name));
}

/** The names of a requirement, for headers, logs and the inventory. */
export function requirementNames(requirement: NameRequirement): readonly string[] {
  return 'allOf' in requirement ? requirement.allOf : requirement.anyOf;
}

/** `all(a, b)` or `any(a, b)`, for logs and the inventory. */
export function describeNames(requirement: NameRequirement | undefined): string {
  if (!requirement) return '-';
  const names = requirementNames(requirement);
  if (names.length === 1) return names[0] as string;
  return `${'allOf' in requirement ? 'all' : 'any'}(${names.join(', ')})`;
}
