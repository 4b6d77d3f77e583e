import { STATUS_CODES } from 'node:http';
import { ProblemException } from './problem.js';
import { setResponseHeader } from './request-context.js';

/**
 * Every kind of problem Bulwark raises. Each is one `type` URI (`urn:bulwark:problem:<kind>`),
 * with one status and one title wherever it is raised; see {@link problem}.
 *
 * - Authentication (RFC 6750, RFC 9449): `authentication-required`, `invalid-request`,
 *   `invalid-token`, `invalid-dpop-proof`, `use-dpop-nonce`, `authentication-unavailable`.
 * - Authorization: `insufficient-scope`, `forbidden`, `not-found`.
 * - Peers (mTLS, mesh): `client-certificate-required`, `invalid-peer-identity`.
 * - Rate limiting: `rate-limited`, `rate-limit-unavailable`.
 * - Request bodies: `invalid-json`, `json-limits-exceeded`, `forbidden-json-key`,
 *   `payload-too-large`, `unsupported-media-type`, `validation-failed`.
 * - Calls to other services: `upstream-failed`, `upstream-timeout`, `upstream-unavailable`.
 * - By HTTP status, for an `HttpException` that carries no problem: `bad-request`,
 *   `unauthorized`, `method-not-allowed`, `not-acceptable`, `request-timeout`, `conflict`,
 *   `gone`, `length-required`, `precondition-failed`, `uri-too-long`, `unprocessable-content`,
 *   `too-many-requests`, `request-header-fields-too-large`, `internal`, `not-implemented`,
 *   `bad-gateway`, `service-unavailable`, `gateway-timeout`.
 */
export type ProblemKind = keyof typeof CATALOG;

/** Parameters of a `WWW-Authenticate` challenge (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9449 §7.1). */
export interface ChallengeParams {
  /**
   * The scheme: `DPoP` once the client used it or when bearer tokens are refused anyway.
   * @default `DPoP` when `@bulwark/auth` requires DPoP, else `Bearer`
   */
  readonly scheme?: 'Bearer' | 'DPoP';
  /** @default the realm `@bulwark/auth` was configured with, `api` without it */
  readonly realm?: string;
  /** The accepted DPoP proof algorithms, space-separated. @default those of `@bulwark/auth` */
  readonly algs?: string;
  /** The scopes the request lacks, for `insufficient-scope`. @default [] */
  readonly scope?: readonly string[];
}

/** What {@link problem} is told about one occurrence; everything is optional. */
export interface ProblemOptions {
  /** A safe explanation of this occurrence. @default the kind's detail in the catalog */
  readonly detail?: string;
  /** The internal reason, for logs and metrics only; never sent to the client. */
  readonly reason?: string;
  /** Extension members (RFC 9457 §3.2), sent to the client: only safe values. */
  readonly extensions?: Record<string, unknown>;
  /** More response headers of this problem, such as `Retry-After`. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The challenge parameters, for the kinds that answer with `WWW-Authenticate`. Given for
   * `invalid-request`, that kind carries `error="invalid_request"` too (a malformed
   * `Authorization` header, RFC 6750 §3.1).
   */
  readonly challenge?: ChallengeParams;
  /**
   * The response (Express or Fastify) to set the problem's headers on right away, so that they
   * are sent whichever exception filter renders the problem. Without it, `@bulwark/errors`
   * sets them from the exception.
   */
  readonly response?: unknown;
}

/** How `@bulwark/auth` challenges a request that sent no credentials; recorded at start-up. */
export interface AuthChallenge {
  /** The `realm` of every challenge. @default 'api' */
  readonly realm: string;
  /** Whether DPoP is required, so that the challenge is `DPoP` instead of `Bearer`. @default false */
  readonly dpopRequired: boolean;
  /** The accepted DPoP proof algorithms, space-separated. @default 'ES256' */
  readonly algs: string;
}

interface ChallengeSpec {
  /** The `error` parameter (RFC 6750 §3.1, RFC 9449 §12.2). */
  readonly error?: string;
  readonly description?: string;
  /** The challenge is always `DPoP`, with `algs` after the error (RFC 9449 §7.1, §9). */
  readonly dpop?: true;
  /** The realm and a DPoP scheme are left out (the 403 of RFC 6750 §3.1). */
  readonly bare?: true;
  /** Only when the caller passes challenge parameters. */
  readonly optional?: true;
}

interface Entry {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** The default detail when the challenge is `DPoP`. */
  readonly dpopDetail?: string;
  readonly challenge?: ChallengeSpec;
}

const CATALOG = {
  'authentication-required': {
    status: 401,
    title: 'Unauthorized',
    detail: 'This resource needs a bearer access token.',
    dpopDetail: 'This resource needs a DPoP-bound access token.',
    challenge: {},
  },
  'invalid-request': {
    status: 400,
    title: 'Bad Request',
    detail: 'The Authorization header is malformed.',
    challenge: {
      error: 'invalid_request',
      description: 'The Authorization header is malformed',
      optional: true,
    },
  },
  'invalid-token': {
    status: 401,
    title: 'Unauthorized',
    detail: 'The access token was not accepted.',
    challenge: { error: 'invalid_token', description: 'The access token is invalid' },
  },
  'invalid-dpop-proof': {
    status: 401,
    title: 'Unauthorized',
    detail: 'The DPoP proof was not accepted.',
    challenge: {
      error: 'invalid_dpop_proof',
      description: 'The DPoP proof is invalid',
      dpop: true,
    },
  },
  'use-dpop-nonce': {
    status: 401,
    title: 'Unauthorized',
    detail: 'The DPoP proof must carry the nonce sent in the DPoP-Nonce header.',
    challenge: {
      error: 'use_dpop_nonce',
      description: 'Resource server requires nonce in DPoP proof',
      dpop: true,
    },
  },
  'authentication-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    detail: 'Access tokens cannot be checked right now. Try again later.',
  },
  'insufficient-scope': {
    status: 403,
    title: 'Forbidden',
    detail: 'The access token lacks a required scope.',
    challenge: { error: 'insufficient_scope', bare: true },
  },
  forbidden: { status: 403, title: 'Forbidden', detail: 'You are not allowed to do this.' },
  'not-found': { status: 404, title: 'Not Found', detail: 'No resource matches the request.' },
  'client-certificate-required': {
    status: 401,
    title: 'Client certificate required',
    detail: 'This service requires a client certificate.',
  },
  'invalid-peer-identity': {
    status: 400,
    title: 'Invalid peer identity',
    detail: 'The peer identity header could not be used.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too Many Requests',
    detail: 'The rate limit is exhausted. Retry later.',
  },
  'rate-limit-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    detail: 'Rate limiting is temporarily unavailable. Retry shortly.',
  },
  'invalid-json': {
    status: 400,
    title: 'Invalid JSON',
    detail: 'The request body could not be parsed as JSON.',
  },
  'json-limits-exceeded': {
    status: 400,
    title: 'JSON Limits Exceeded',
    detail: 'The JSON body is nested too deeply or holds an array that is too long.',
  },
  'forbidden-json-key': {
    status: 400,
    title: 'Forbidden JSON Key',
    detail: 'The JSON body contains a "__proto__" or "constructor" key, which is not accepted.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Content Too Large',
    detail: 'The request body is larger than this service accepts.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    detail: 'Send the request body as UTF-8 JSON (Content-Type: application/json), uncompressed.',
  },
  'validation-failed': {
    status: 400,
    title: 'Validation Failed',
    detail: 'The request has invalid or unknown fields.',
  },
  'upstream-failed': {
    status: 502,
    title: 'Bad Gateway',
    detail: 'A service this request depends on failed.',
  },
  'upstream-timeout': {
    status: 504,
    title: 'Gateway Timeout',
    detail: 'A service this request depends on did not answer in time.',
  },
  'upstream-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    detail: 'A service this request depends on is unavailable; retry later.',
  },
  'bad-request': { status: 400, title: 'Bad Request', detail: 'The request is malformed.' },
  unauthorized: { status: 401, title: 'Unauthorized', detail: 'Authentication is required.' },
  'method-not-allowed': {
    status: 405,
    title: 'Method Not Allowed',
    detail: 'The method is not allowed on this resource.',
  },
  'not-acceptable': {
    status: 406,
    title: 'Not Acceptable',
    detail: 'No acceptable representation is available.',
  },
  'request-timeout': {
    status: 408,
    title: 'Request Timeout',
    detail: 'The request took too long to arrive.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    detail: 'The request conflicts with the current state.',
  },
  gone: { status: 410, title: 'Gone', detail: 'The resource is gone.' },
  'length-required': {
    status: 411,
    title: 'Length Required',
    detail: 'A Content-Length header is required.',
  },
  'precondition-failed': {
    status: 412,
    title: 'Precondition Failed',
    detail: 'A precondition failed.',
  },
  'uri-too-long': { status: 414, title: 'URI Too Long', detail: 'The request URI is too long.' },
  'unprocessable-content': {
    status: 422,
    title: 'Unprocessable Entity',
    detail: 'The request could not be processed.',
  },
  'too-many-requests': {
    status: 429,
    title: 'Too Many Requests',
    detail: 'Too many requests; retry later.',
  },
  'request-header-fields-too-large': {
    status: 431,
    title: 'Request Header Fields Too Large',
    detail: 'The request headers are too large.',
  },
  internal: {
    status: 500,
    title: 'Internal Server Error',
    detail: 'An unexpected error occurred. Quote the request id when reporting it.',
  },
  'not-implemented': { status: 501, title: 'Not Implemented', detail: 'This is not implemented.' },
  'bad-gateway': { status: 502, title: 'Bad Gateway', detail: 'An upstream service failed.' },
  'service-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The service is unavailable; retry later.',
  },
  'gateway-timeout': {
    status: 504,
    title: 'Gateway Timeout',
    detail: 'An upstream service timed out.',
  },
} as const satisfies Record<string, Entry>;

/** The kind an `HttpException` of each status maps to, when it carries no problem of its own. */
const BY_STATUS: ReadonlyMap<number, ProblemKind> = new Map<number, ProblemKind>([
  [400, 'bad-request'],
  [401, 'unauthorized'],
  [403, 'forbidden'],
  [404, 'not-found'],
  [405, 'method-not-allowed'],
  [406, 'not-acceptable'],
  [408, 'request-timeout'],
  [409, 'conflict'],
  [410, 'gone'],
  [411, 'length-required'],
  [412, 'precondition-failed'],
  [413, 'payload-too-large'],
  [414, 'uri-too-long'],
  [415, 'unsupported-media-type'],
  [422, 'unprocessable-content'],
  [429, 'too-many-requests'],
  [431, 'request-header-fields-too-large'],
  [500, 'internal'],
  [501, 'not-implemented'],
  [502, 'bad-gateway'],
  [503, 'service-unavailable'],
  [504, 'gateway-timeout'],
]);

const DEFAULT_CHALLENGE: AuthChallenge = { realm: 'api', dpopRequired: false, algs: 'ES256' };
const RECORDED = Symbol.for('bulwark.authChallenge');
type Holder = Record<symbol, AuthChallenge | undefined>;

/**
 * Records how authentication challenges a request, so that a 401 raised anywhere (the
 * authorization guard finding no principal, say) names the same realm and scheme as
 * `@bulwark/auth`'s own. `@bulwark/auth` calls it at start-up, and with `undefined` at
 * shutdown to go back to the default (`Bearer realm="api"`); nothing else needs to.
 */
export function setAuthChallenge(challenge: AuthChallenge | undefined): void {
  (globalThis as unknown as Holder)[RECORDED] = challenge;
}

function recordedChallenge(): AuthChallenge {
  return (globalThis as unknown as Holder)[RECORDED] ?? DEFAULT_CHALLENGE;
}

function quoted(name: string, value: string): string {
  return `${name}="${value}"`;
}

function challengeOf(spec: ChallengeSpec, params: ChallengeParams): string {
  const recorded = recordedChallenge();
  const parts: string[] = [];
  const error =
    spec.error === undefined
      ? []
      : [
          quoted('error', spec.error),
          ...(spec.description === undefined
            ? []
            : [quoted('error_description', spec.description)]),
        ];
  if (spec.bare) {
    parts.push(...error, quoted('scope', (params.scope ?? []).join(' ')));
    return `Bearer ${parts.join(', ')}`;
  }
  const scheme = spec.dpop
    ? 'DPoP'
    : (params.scheme ?? (recorded.dpopRequired ? 'DPoP' : 'Bearer'));
  const algs = quoted('algs', params.algs ?? recorded.algs);
  parts.push(quoted('realm', params.realm ?? recorded.realm));
  // A DPoP challenge names its algorithms (RFC 9449 §7.1): after DPoP's own errors, as in the
  // RFC's examples, and right after the realm otherwise.
  if (scheme === 'DPoP' && !spec.dpop) parts.push(algs);
  parts.push(...error);
  if (spec.dpop) parts.push(algs);
  return `${scheme} ${parts.join(', ')}`;
}

/**
 * Builds the problem of one kind from the catalog: its `type` URI, status, title and safe
 * default detail, with the `WWW-Authenticate` challenge the kind needs (RFC 6750 §3, RFC 9449
 * §7.1), in the realm and scheme `@bulwark/auth` was configured with. Throw what it returns;
 * `@bulwark/errors` renders it as `application/problem+json`.
 *
 * @param kind - the kind of problem, such as `'authentication-required'`.
 * @param options - this occurrence's detail, reason, extensions, headers and challenge.
 * @returns the exception to throw.
 * @throws {TypeError} when `kind` is not in the catalog (only possible from untyped code).
 *
 * @example
 * ```ts
 * // 401, WWW-Authenticate: Bearer realm="api"
 * throw problem('authentication-required', { reason: 'missing_credentials', response });
 * // 403, WWW-Authenticate: Bearer error="insufficient_scope", scope="notes:write"
 * throw problem('insufficient-scope', { challenge: { scope: ['notes:write'] }, response });
 * // 503 with Retry-After
 * throw problem('service-unavailable', { headers: { 'retry-after': '5' } });
 * ```
 */
export function problem(kind: ProblemKind, options: ProblemOptions = {}): ProblemException {
  const entry: Entry | undefined = Object.hasOwn(CATALOG, kind) ? CATALOG[kind] : undefined;
  if (entry === undefined) throw new TypeError(`unknown problem kind "${String(kind)}"`);
  const headers: Record<string, string> = { ...options.headers };
  const spec = entry.challenge;
  let challenge: string | undefined;
  if (spec !== undefined && (!spec.optional || options.challenge !== undefined)) {
    challenge = challengeOf(spec, options.challenge ?? {});
    headers['www-authenticate'] = challenge;
  }
  if (options.response !== undefined) {
    for (const [name, value] of Object.entries(headers)) {
      setResponseHeader(options.response, name, value);
    }
  }
  return new ProblemException({
    kind,
    status: entry.status,
    title: entry.title,
    detail:
      options.detail ??
      (entry.dpopDetail !== undefined && challenge?.startsWith('DPoP ')
        ? entry.dpopDetail
        : entry.detail),
    extensions: options.extensions,
    reason: options.reason,
    headers,
  });
}

/**
 * The problem for a bare HTTP status, such as that of an `HttpException` carrying no problem
 * body: the catalog's kind for the status, or `http-<status>` with the standard wording.
 *
 * @example
 * ```ts
 * problemForStatus(405).problem.type; // 'urn:bulwark:problem:method-not-allowed'
 * ```
 */
export function problemForStatus(status: number, options: ProblemOptions = {}): ProblemException {
  const kind = BY_STATUS.get(status);
  if (kind !== undefined) return problem(kind, options);
  const server = status >= 500;
  return new ProblemException({
    kind: `http-${status}`,
    status,
    title: STATUS_CODES[status] ?? (server ? 'Server Error' : 'Client Error'),
    detail:
      options.detail ??
      (server ? CATALOG.internal.detail : CATALOG['unprocessable-content'].detail),
    extensions: options.extensions,
    reason: options.reason,
    headers: options.headers,
  });
}

/** The catalog, for the table-driven spec. */
export const PROBLEM_CATALOG: Readonly<Record<ProblemKind, Entry>> = CATALOG;
