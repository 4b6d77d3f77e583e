import type { IssueOptions, TestCa } from './test-ca.js';
import type { TestIssuer } from './test-issuer.js';

/** The HTTP methods the conformance suite sends. */
export type ConformanceMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The groups of checks of {@link runConformance}. */
export type ConformanceCategory =
  | 'mtls'
  | 'jwt'
  | 'dpop'
  | 'bola'
  | 'bfla'
  | 'mass-assignment'
  | 'problem-details'
  | 'leaks'
  | 'headers'
  | 'rate-limit'
  | 'probes';

/** Every category, in the order the suite runs them. */
export const CONFORMANCE_CATEGORIES: readonly ConformanceCategory[] = [
  'probes',
  'mtls',
  'jwt',
  'dpop',
  'bola',
  'bfla',
  'mass-assignment',
  'problem-details',
  'headers',
  'rate-limit',
  'leaks',
];

/** A route the suite calls, with the claims of a token that is allowed on it. */
export interface RouteHint {
  /** @default 'GET' */
  method?: ConformanceMethod;
  /** The path, such as `/v1/notes`. */
  path: string;
  /** Claims of a token that may call the route, such as `{ scope: 'notes:read' }`. */
  claims?: Record<string, unknown>;
  /** A JSON body to send. */
  body?: unknown;
}

/**
 * An owned resource for the BOLA probes: the owner creates one, then another user tries to
 * read, change and delete it.
 */
export interface ResourceHint {
  /** The route that creates a resource; it must answer 2xx with a `Location` header or an `id`. */
  create: RouteHint;
  /**
   * The resource's path, with `:id` where the id goes. When left out, the `Location` header of
   * the create answer is used.
   * @example '/v1/notes/:id'
   */
  path?: string;
  /** Claims of the owner's token, such as `{ sub: 'alice', scope: 'notes:read notes:write' }`. */
  owner: Record<string, unknown>;
  /** Claims of another user with the same scopes, such as `{ sub: 'mallory', scope: '…' }`. */
  intruder: Record<string, unknown>;
  /**
   * The body the intruder sends with PATCH; `false` skips the PATCH probe.
   * @default the create body
   */
  update?: unknown;
  /**
   * Whether to send the intruder's DELETE.
   * @default true
   */
  delete?: boolean;
}

/** A privileged route for the BFLA probes. */
export interface AdminHint {
  /** @default 'GET' */
  method?: ConformanceMethod;
  /** The admin route, such as `/v1/admin/notes`. */
  path: string;
  /** Claims of an ordinary user, who must be refused (403 or 404). */
  user: Record<string, unknown>;
  /** Claims of an admin, who must get a 2xx (proves the route exists). */
  admin?: Record<string, unknown>;
  /**
   * The claim the service reads roles from; the suite sends the admin role there with the
   * wrong type (a string), and in look-alike claims, and expects a refusal.
   * @default 'roles'
   */
  roleClaim?: string;
  /**
   * The privileged role.
   * @default 'admin'
   */
  role?: string;
}

/** A rate-limited route for the 429 probe. */
export interface RateLimitHint extends RouteHint {
  /**
   * The most requests to send before giving up on a 429.
   * @default 200
   */
  maxRequests?: number;
  /**
   * Junk tokens the lockout probe sends to `protectedRoute` before a valid token, which must
   * still be admitted from the same address; set it above the service's failed-authentication
   * limit. `false` skips the probe.
   * @default 150
   */
  failedAttempts?: number | false;
}

/** The mass-assignment probe: an array body carrying a protected field must be refused. */
export interface MassAssignmentHint {
  /**
   * The route to send it to, such as one that takes an array of objects; its `body` (an array,
   * or one object) gives the element the protected field is added to.
   * @default the resource's create route, with the owner's claims
   */
  route?: RouteHint;
  /**
   * The protected field to smuggle into the element.
   * @default 'ownerId'
   */
  field?: string;
}

/** A client certificate and its private key, both PEM. */
export interface ClientCertificateHint {
  /** The certificate, PEM. */
  cert: string;
  /** Its private key, PEM. */
  key: string;
}

/**
 * The mTLS probes of a service whose listener verifies client certificates
 * (`TLS_CLIENT_CA_FILE`). Every request of the run then goes over TLS with `client`, the
 * server certificate verified against `serverCa`; the probes send none, one from another CA and
 * an expired one.
 *
 * @example
 * ```ts
 * const ca = createTestCa();
 * // the service: TLS_CERT_FILE=ca.issueServer().certFile, TLS_CLIENT_CA_FILE=ca.certificateFile
 * await runConformance('https://127.0.0.1:3443', { issuer, protectedRoute, mtls: { ca } });
 * ```
 */
export interface MtlsHint {
  /**
   * The test CA the service verifies clients against; the valid and the expired client
   * certificates are issued from it, with {@link certificate}. Needed unless both `client`
   * and `expired` are given.
   */
  ca?: TestCa;
  /**
   * What the suite's client certificates carry, such as the SPIFFE ID a `@RequirePeer` route
   * wants.
   * @default the test CA's client defaults (`spiffe://cluster.local/ns/test/sa/client`)
   */
  certificate?: IssueOptions;
  /**
   * A client certificate the service accepts.
   * @default issued from `ca`
   */
  client?: ClientCertificateHint;
  /**
   * An expired client certificate from the trusted CA.
   * @default issued from `ca` (already expired)
   */
  expired?: ClientCertificateHint;
  /**
   * A valid client certificate from a CA the service does not trust.
   * @default issued from a CA the suite creates for the run
   */
  foreign?: ClientCertificateHint;
  /**
   * The CA bundle the server certificate is verified against, PEM.
   * @default `ca.certificate`
   */
  serverCa?: string;
  /**
   * The service's `TLS_CLIENT_AUTH`: with `required`, a request without a certificate must get
   * a 401 problem; with `optional`, it goes on to token authentication.
   * @default 'required'
   */
  clientAuth?: 'required' | 'optional';
  /**
   * Whether to probe certificate-bound tokens (RFC 8705 §3): a token bound to `client` is
   * admitted with it, and one bound to another certificate is refused with 401 `invalid_token`.
   * @default true
   */
  certificateBound?: boolean;
}

/** What {@link runConformance} needs to know about the service under test. */
export interface ConformanceHints {
  /** The issuer the service trusts; attack tokens are made from its keys. */
  issuer: TestIssuer;
  /** A route that needs a valid token; every attack token is sent there. */
  protectedRoute: RouteHint;
  /** BOLA probes; skipped when left out. */
  resource?: ResourceHint;
  /** BFLA probes; skipped when left out. */
  admin?: AdminHint;
  /**
   * Mass-assignment probe: `[{ ...body, ownerId: … }]` must get 400 or 422. Runs on the
   * resource's create route unless a route is given; skipped with `false`, or when there is no
   * route to send it to.
   * @default { route: resource.create, field: 'ownerId' }
   */
  massAssignment?: MassAssignmentHint | false;
  /** Rate-limit probe (headers and 429); skipped when left out. */
  rateLimit?: RateLimitHint;
  /**
   * DPoP (RFC 9449) probes on `protectedRoute`, with a token bound to a fresh key: an honest
   * proof (with the server nonce when the service asks for one), a replay, every hostile proof
   * of `createHostileDpopProofs`, no proof, and the bound token sent as `Bearer`. Left out, they
   * run when the service accepts DPoP and are skipped when it does not; `true` requires DPoP
   * (the control fails without it); `false` leaves the category out.
   * @default probe, and skip when the service does not accept DPoP
   */
  dpop?: boolean;
  /**
   * mTLS probes: a protected route without a client certificate, with one from another CA and
   * with an expired one is refused (401 problem, or a refused handshake for the last two), with
   * a valid one admitted; liveness stays reachable without one; a certificate-bound token sent
   * with another certificate is refused. With this hint every request of the run presents the
   * valid certificate. Left out or `false`, the category is skipped.
   * @default skipped
   */
  mtls?: MtlsHint | false;
  /**
   * Probe paths, or `false` for a service without probes.
   * @default { live: '/health/live', ready: '/health/ready' }
   */
  health?: { live?: string; ready?: string } | false;
  /**
   * The status an object-level denial gets (404 hides existence; some services use 403).
   * @default 404
   */
  denialStatus?: 403 | 404;
  /**
   * `typ` values the service accepts; the `typ: JWT` attack is left out when `JWT` is here.
   * @default ['at+jwt', 'application/at+jwt']
   */
  acceptedTokenTypes?: readonly string[];
  /**
   * The service's maximum token length.
   * @default 8192
   */
  maxTokenBytes?: number;
  /**
   * The service's body limit; the suite sends one byte more of JSON to the create route and
   * expects 413. `false` skips the probe.
   * @default 102400
   */
  bodyLimitBytes?: number | false;
  /**
   * Whether error answers must be RFC 9457 problem details (with `requestId`). Turn it off for
   * an app that keeps its own error format; the `problem-details` category is then skipped.
   * @default true
   */
  problemDetails?: boolean;
  /**
   * Whether to require the security headers of the Bulwark HTTP contract on every answer.
   * Turn it off for an app that leaves headers to a gateway.
   * @default true
   */
  securityHeaders?: boolean;
  /**
   * Run only these categories.
   * @default every category
   */
  only?: readonly ConformanceCategory[];
  /**
   * A URL on an "attacker" host for `jku`/`x5u`/`kid`. When left out, the suite starts its own
   * counting server on loopback and fails if the service ever calls it.
   */
  attackerUrl?: string;
  /**
   * Per-request timeout; a request that takes longer fails its check (a hang is a finding).
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Where the report goes: `true` for `console.log`, `false` for nowhere, or a function.
   * @default true
   */
  print?: boolean | ((report: string) => void);
  /**
   * List passing checks in the report too.
   * @default false
   */
  verbose?: boolean;
}
