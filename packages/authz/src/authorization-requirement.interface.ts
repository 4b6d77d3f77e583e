import type { Peer, Principal } from '@bulwark/core';
import type { Type } from '@nestjs/common';

/** A set of names with an explicit combination rule: every one (`allOf`) or at least one (`anyOf`). */
export type NameRequirement =
  | { readonly allOf: readonly string[] }
  | { readonly anyOf: readonly string[] };

/** A policy's answer. Anything other than `'allow'` (or `true`) is a denial. */
export type PolicyDecision = 'allow' | 'deny';

/** What a loader, policy or decision point learns about the request. */
export interface AuthorizationContext {
  /** The authenticated caller. */
  readonly principal: Principal;
  /** The declared action, such as `notes:read`. */
  readonly action: string;
  /** The route, such as `GET /v1/notes/:id`. */
  readonly route: string;
  /** The route parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** The framework request (Express or Fastify). */
  readonly request: unknown;
  /**
   * The calling service, proven by a client certificate (`@bulwark/http`), when there is one.
   * Policies can combine it with the principal: "the orders service, for this user".
   */
  readonly peer?: Peer | undefined;
}

/**
 * The services allowed to call a route, by `Peer` id or SPIFFE ID: any one of them. See
 * `RequirePeer`.
 */
export interface PeerRequirement {
  readonly anyOf: readonly string[];
}

/**
 * Reads the one object a route acts on, from the route parameters. Returns `undefined` (or
 * `null`) when it does not exist, which answers 404.
 *
 * @example
 * ```ts
 * const loadNote: ResourceLoaderFn<Note> = ({ params }) => notes.get(params.id);
 * ```
 */
export type ResourceLoaderFn<R = unknown> = (
  context: AuthorizationContext,
) => R | null | undefined | Promise<R | null | undefined>;

/** An injectable loader class, resolved from the module graph (so it can use repositories). */
export interface ResourceLoader<R = unknown> {
  /** See {@link ResourceLoaderFn}. */
  load(context: AuthorizationContext): R | null | undefined | Promise<R | null | undefined>;
}

/**
 * Decides whether the principal may perform the action on the resource. Throwing denies.
 *
 * @example
 * ```ts
 * const sameTeam: PolicyFn<Doc> = (principal, _action, doc) =>
 *   principal.claims.team === doc.team ? 'allow' : 'deny';
 * ```
 */
export type PolicyFn<R = unknown> = (
  principal: Principal,
  action: string,
  resource: R,
  context: AuthorizationContext,
) => PolicyDecision | boolean | Promise<PolicyDecision | boolean>;

/** An injectable policy class, resolved from the module graph. */
export interface AuthorizationPolicy<R = unknown> {
  /** See {@link PolicyFn}. */
  evaluate(
    principal: Principal,
    action: string,
    resource: R,
    context: AuthorizationContext,
  ): PolicyDecision | boolean | Promise<PolicyDecision | boolean>;
}

/** Object-level declaration of a route. See `Authorize`. */
export interface ObjectRequirement<R = unknown> {
  /** The action, such as `notes:update`. Goes to the policy, the logs and the events. */
  readonly action: string;
  /** Reads the object from the route parameters, once. */
  readonly load: ResourceLoaderFn<R> | Type<ResourceLoader<R>>;
  /** Decides. Built-ins: `ownerPolicy`, `tenantPolicy`, `rolePolicy`, `anyPolicy`, `allPolicies`. */
  readonly policy: PolicyFn<R> | Type<AuthorizationPolicy<R>>;
  /**
   * The status of a denial. 404 does not reveal that the object exists.
   * @default the module's `objectDenialStatus` (404)
   */
  readonly denyStatus?: 403 | 404;
}

/**
 * What `@bulwark/authz` decorators store under `ROUTE_METADATA.authorization`. Handler-level
 * members override the controller's member of the same kind; different kinds add up.
 */
export interface AuthorizationRequirement {
  /** Any authenticated principal may call (set by `Authenticated`). */
  readonly authenticated?: true;
  /** Required scopes. */
  readonly scopes?: NameRequirement;
  /** Required roles. */
  readonly roles?: NameRequirement;
  /** Required permissions, granted through the module's role → permission map. */
  readonly permissions?: NameRequirement;
  /** Object-level authorization. */
  readonly object?: ObjectRequirement;
  /** The calling services allowed (set by `RequirePeer`). */
  readonly peer?: PeerRequirement;
}
