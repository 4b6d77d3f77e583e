import { type InspectOptions, inspect } from 'node:util';
import { BulwarkConfigError, type Peer } from '@bulwark/core';
import { readBodyAtMost } from '@bulwark/core/request';
import type {
  AuthorizationContext,
  PolicyDecision,
} from './authorization-requirement.interface.js';
import { AuthzError } from './authz.error.js';
import { principalRoles, principalScopes } from './internal/principal-claims.js';
import { definePolicy, type NamedPolicy } from './policies.js';

/** What an external policy engine is asked. It never contains the token. */
export interface DecisionInput {
  /** The caller, without the raw token. */
  principal: {
    id: string;
    issuer: string;
    subject: string;
    clientId: string | undefined;
    scopes: readonly string[];
    roles: readonly string[];
  };
  /** The declared action. */
  action: string;
  /** The route, such as `GET /v1/notes/:id`. */
  route: string;
  /** The loaded object (as shaped by `resourceInput`). */
  resource: unknown;
  /**
   * The calling service (`Peer` of `@bulwark/core`: id, SPIFFE ID, DNS names, subject,
   * fingerprint, source), or `null` when the caller proved no service identity.
   */
  peer: Peer | null;
}

/**
 * An external policy decision point. It must answer `'allow'` or `'deny'`; throwing, timing out
 * or answering anything else denies.
 */
export interface DecisionPoint {
  /** Asks for a decision. */
  decide(input: DecisionInput): Promise<PolicyDecision>;
}

/** Options of {@link OpaDecisionPoint}. */
export interface OpaDecisionPointOptions {
  /** The OPA base URL, such as `http://127.0.0.1:8181`. */
  url: string;
  /** The rule's package path under `/v1/data/`, such as `bulwark/notes/allow`. */
  path: string;
  /**
   * Milliseconds before the call is abandoned and the request denied.
   * @default 500
   */
  timeoutMs?: number;
  /**
   * Extra request headers, such as `authorization` for an OPA with authentication on.
   * @default {}
   */
  headers?: Record<string, string>;
  /**
   * Shapes the resource sent to OPA, to leave out fields the engine must not see.
   * @default the resource as is
   */
  resourceInput?: (resource: unknown) => unknown;
}

const MAX_ANSWER_BYTES = 65_536;

/**
 * Asks Open Policy Agent through its HTTP data API (`POST /v1/data/<path>` with
 * `{ input }`). Only `{"result": true}` or `{"result": {"allow": true}}` allows; an undefined
 * rule, an error status, a malformed answer or the timeout deny.
 *
 * @example
 * ```ts
 * const opa = new OpaDecisionPoint({ url: 'http://127.0.0.1:8181', path: 'notes/allow', timeoutMs: 200 });
 * @Authorize({ action: 'notes:read', load, policy: decisionPointPolicy(opa) })
 * ```
 */
export class OpaDecisionPoint implements DecisionPoint {
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: OpaDecisionPointOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new BulwarkConfigError('url', 'must be an absolute http(s) URL of the OPA server');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new BulwarkConfigError('url', 'must use http or https');
    }
    if (!/^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*$/.test(options.path ?? '')) {
      throw new BulwarkConfigError('path', 'must be a rule path such as bulwark/notes/allow');
    }
    const timeoutMs = options.timeoutMs ?? 500;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new BulwarkConfigError('timeoutMs', 'must be a positive integer of milliseconds');
    }
    this.endpoint = new URL(`v1/data/${options.path}`, `${base.href.replace(/\/+$/, '')}/`).href;
    this.timeoutMs = timeoutMs;
    this.headers = { ...options.headers, 'content-type': 'application/json' };
  }

  /**
   * Prints as a summary (`console.log`, `util.inspect`, a test runner's diff): the endpoint, the
   * timeout and the names of the extra headers, never their values (such as OPA's bearer token).
   */
  [inspect.custom](_depth: number, options: InspectOptions, format = inspect): string {
    return `OpaDecisionPoint ${format(this.toJSON(), options)}`;
  }

  /** Serializes (`JSON.stringify`, a logger) as the same summary. */
  toJSON(): Record<string, unknown> {
    return {
      type: 'OpaDecisionPoint',
      endpoint: this.endpoint,
      timeoutMs: this.timeoutMs,
      headers: Object.keys(this.headers),
    };
  }

  async decide(input: DecisionInput): Promise<PolicyDecision> {
    const shaped = this.options.resourceInput
      ? { ...input, resource: this.options.resourceInput(input.resource) }
      : input;
    let answer: unknown;
    const done = new AbortController();
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ input: shaped }),
        signal: AbortSignal.any([done.signal, AbortSignal.timeout(this.timeoutMs)]),
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      // Counted in bytes and cut at the limit: a streamed answer is never buffered whole.
      const bytes = await readBodyAtMost(response, MAX_ANSWER_BYTES);
      if (bytes === undefined) throw new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`);
      answer = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      const why =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
      throw new AuthzError('AUTHZ_DECISION_POINT_FAILED', `OPA ${this.endpoint}: ${why}`, {
        cause: error,
      });
    } finally {
      // Closes the connection when the answer was not read to its end.
      done.abort();
    }
    const result = (answer as { result?: unknown } | null)?.result;
    if (result === true) return 'allow';
    if (
      typeof result === 'object' &&
      result !== null &&
      (result as { allow?: unknown }).allow === true
    ) {
      return 'allow';
    }
    return 'deny';
  }
}

/**
 * Turns a {@link DecisionPoint} into a policy for `@Authorize()`.
 *
 * @example
 * ```ts
 * policy: decisionPointPolicy(new OpaDecisionPoint({ url, path: 'notes/allow' }))
 * ```
 */
export function decisionPointPolicy<R = unknown>(
  decisionPoint: DecisionPoint,
  name = 'decision-point',
): NamedPolicy<R> {
  return definePolicy(name, (principal, action, resource, context: AuthorizationContext) =>
    decisionPoint.decide({
      principal: {
        id: principal.id,
        issuer: principal.issuer,
        subject: principal.subject,
        clientId: principal.clientId,
        scopes: [...principalScopes(principal)],
        roles: [...principalRoles(principal)],
      },
      action,
      route: context.route,
      resource,
      peer: context.peer ?? null,
    }),
  );
}
