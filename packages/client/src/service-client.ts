import { setTimeout as sleep } from 'node:timers/promises';
import { BulwarkConfigError } from '@bulwark/core';
import { Logger } from '@nestjs/common';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import * as oauth from 'oauth4webapi';
import { type Dispatcher, fetch as undiciFetch } from 'undici';
import { ServiceCallError, type ServiceCallReason } from './client.error.js';
import type { QueryParams, ServiceClientOptions } from './client-options.interface.js';
import { callRegistry, notify } from './internal/call-registry.js';
import { CallDeadline } from './internal/deadline.js';
import { BodyTooLarge, type Exchanged, exchange } from './internal/exchange.js';
import { incomingContext } from './internal/incoming.js';
import { type ResolvedClientOptions, resolveClientOptions } from './internal/resolve-options.js';
import { RetryBudget } from './internal/retry-budget.js';
import { appendQuery, joinPath, RefusedPath } from './internal/safe-url.js';
import { loadPrivateKey, TokenSource } from './internal/token-source.js';
import { inClientSpan, loadTracing, type SpanOutcome, tracingActive } from './internal/tracing.js';
import { DestinationRefused, PeerMismatch, Transport } from './internal/transport.js';
import { type ResponseValidator, validateResponse } from './response-validator.js';

/** The HTTP methods a client sends. */
export type ServiceCallMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const IDEMPOTENT = new Set<ServiceCallMethod>(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const logger = new Logger('ServiceClient');
/** The headers of a call that adds none of its own, shared by all such calls. */
const ACCEPT_JSON: Readonly<Record<string, string>> = Object.freeze({ accept: 'application/json' });
const RESERVED_HEADERS = new Set([
  'host',
  'authorization',
  'connection',
  'transfer-encoding',
  'content-length',
]);

/** Options of one call. */
export interface CallOptions<T = unknown> {
  /** Query parameters, appended to the URL. */
  query?: QueryParams;
  /** Extra request headers. `Host`, `Authorization` and framing headers cannot be set. */
  headers?: Readonly<Record<string, string>>;
  /**
   * The body: a string or bytes are sent as they are, anything else as JSON.
   */
  body?: unknown;
  /** Checks and types the JSON response: a function that returns it or throws, or a DTO class. */
  validate?: ResponseValidator<T>;
  /**
   * The incoming request (Express or Fastify) this call is made for: its token is exchanged or
   * propagated, its request id and `traceparent` are passed on, and the call is aborted when
   * its connection closes.
   */
  request?: unknown;
  /** Let the call outlive the incoming request. @default false */
  detached?: boolean;
  /** Abort the call with this signal. */
  signal?: AbortSignal;
  /** A total timeout shorter than the client's, in milliseconds. */
  timeoutMs?: number;
  /** The scope asked for (client credentials and token exchange). @default the client's `scope` */
  scope?: string;
  /** Sent as `Idempotency-Key`; makes a POST or PATCH retryable. */
  idempotencyKey?: string;
  /** How the body is read. @default 'json' (an empty body is `undefined`) */
  responseType?: 'json' | 'text' | 'bytes';
}

/** A downstream answer with a 2xx status. */
export interface ServiceResponse<T> {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: T;
}

/** A response from fetch() (the DPoP path), read into an {@link Exchanged}. */
interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
  /** Reads and drops the rest of the body, keeping the connection. */
  discard: () => Promise<void>;
  /** Stops reading the body. */
  abort: () => void;
}

interface Attempt extends Exchanged {
  url: URL;
}

/** One call, prepared once and handed through the breaker and the retries. */
interface PreparedCall {
  method: ServiceCallMethod;
  url: URL;
  /** {@link ACCEPT_JSON} itself when the call adds no header: never changed in place. */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array | undefined;
  deadline: CallDeadline;
  incoming: ReturnType<typeof incomingContext> | undefined;
  scope: string | undefined;
}

/**
 * A client bound to one downstream service: every call goes to its `baseUrl` (or, with
 * `allowDynamicHosts`, to a checked public address), authenticated as configured, within its
 * deadlines and retry budget. Failures are {@link ServiceCallError}s.
 *
 * Outside Nest, create it with {@link createServiceClient}; inside, inject it with
 * `@InjectServiceClient(name)`.
 *
 * @example
 * ```ts
 * const orders = await createServiceClient({ name: 'orders', baseUrl: 'https://orders:8443/v1/' });
 * const order = await orders.get<Order>(`/orders/${id}`, { request });
 * await orders.close();
 * ```
 */
export class ServiceClient {
  /** The client's name. */
  readonly name: string;
  /** Token requests sent so far (0 without a token grant). */
  get tokenFetches(): number {
    return this.tokens?.fetches ?? 0;
  }
  /** Retries refused because the budget was spent. */
  budgetExhausted = 0;
  /** Retries sent. */
  retries = 0;

  private readonly budget: RetryBudget;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly registry = callRegistry();
  /** The last token sent and the headers made for it: a cached token reuses them. */
  private lastToken: string | undefined;
  private lastAuthorization = '';
  private lastHeaders: Readonly<Record<string, string>> = ACCEPT_JSON;

  /** @internal Use {@link createServiceClient}. */
  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly transport: Transport,
    private readonly tokens: TokenSource | undefined,
  ) {
    this.name = options.name;
    this.registry.clients.add(this);

    this.budget = new RetryBudget(
      options.retry.budgetRatio,
      options.retry.minRetries,
      options.retry.windowMs,
      options.now,
    );
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof ServiceCallError && countsForBreaker(error)),
      {
        halfOpenAfter: options.breaker.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.breaker.consecutiveFailures),
      },
    );
  }

  /** TLS file reloads applied so far. */
  get tlsReloads(): number {
    return this.transport.reloads;
  }

  /** TLS file reloads refused so far (the previous material stayed in use). */
  get tlsReloadFailures(): number {
    return this.transport.reloadFailures;
  }

  /** Whether the circuit breaker is open (calls fail fast with a 503). */
  get breakerOpen(): boolean {
    return this.breaker.state === CircuitState.Open || this.breaker.state === CircuitState.Isolated;
  }

  /** GET, returning the JSON body. */
  get<T = unknown>(path: string, options?: CallOptions<T>): Promise<T> {
    return this.request<T>('GET', path, options).then((response) => response.body);
  }

  /** POST, returning the JSON body. Retried only with an `idempotencyKey`. */
  post<T = unknown>(path: string, body?: unknown, options?: CallOptions<T>): Promise<T> {
    return this.request<T>('POST', path, { ...options, body }).then((response) => response.body);
  }

  /** PUT, returning the JSON body. */
  put<T = unknown>(path: string, body?: unknown, options?: CallOptions<T>): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body }).then((response) => response.body);
  }

  /** PATCH, returning the JSON body. Retried only with an `idempotencyKey`. */
  patch<T = unknown>(path: string, body?: unknown, options?: CallOptions<T>): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body }).then((response) => response.body);
  }

  /** DELETE, returning the JSON body (`undefined` for an empty one). */
  delete<T = unknown>(path: string, options?: CallOptions<T>): Promise<T> {
    return this.request<T>('DELETE', path, options).then((response) => response.body);
  }

  /**
   * Sends one call and returns status, headers and body. A path is joined to `baseUrl`; an
   * absolute URL is accepted only with `allowDynamicHosts`.
   *
   * @throws ServiceCallError on any failure, before sending when the destination is refused.
   */
  async request<T = unknown>(
    method: ServiceCallMethod,
    path: string,
    options: CallOptions<T> = {},
  ): Promise<ServiceResponse<T>> {
    const started = this.options.now();
    let url: URL;
    try {
      url = this.target(path, options.query);
    } catch (error) {
      if (error instanceof ServiceCallError) this.logFailure(method, undefined, error, started);
      throw error;
    }
    const incoming =
      options.request === undefined
        ? undefined
        : incomingContext(options.request, options.detached === true);
    let deadline: CallDeadline | undefined;
    try {
      const traced = tracingActive();
      const timeoutMs = options.timeoutMs;
      if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
        throw new TypeError('timeoutMs: must be a positive integer of milliseconds');
      }
      let headers: Readonly<Record<string, string>> = ACCEPT_JSON;
      let body: string | Uint8Array | undefined;
      if (
        traced ||
        incoming !== undefined ||
        options.headers !== undefined ||
        options.idempotencyKey !== undefined ||
        options.body !== undefined
      ) {
        const own = this.headers(method, options);
        if (incoming?.requestId) own['x-request-id'] = incoming.requestId;
        if (incoming?.traceparent) own.traceparent = incoming.traceparent;
        if (incoming?.tracestate) own.tracestate = incoming.tracestate;
        body = encodeBody(options.body, own);
        headers = own;
      }
      const totalMs = Math.min(timeoutMs ?? this.options.totalMs, this.options.totalMs);
      deadline = new CallDeadline(totalMs, [options.signal], incoming?.connection);
      const call: PreparedCall = {
        method,
        url,
        headers,
        body,
        deadline,
        incoming,
        scope: options.scope,
      };
      const attempt = traced
        ? await inClientSpan(
            this.name,
            method,
            url,
            headers as Record<string, string>,
            () => this.guarded(call),
            spanOutcome,
          )
        : await this.guarded(call);
      const parsed = await this.parse<T>(attempt, options);
      this.record(method, attempt.status, started);
      return { status: attempt.status, headers: attempt.headers, body: parsed };
    } catch (error) {
      if (error instanceof ServiceCallError) {
        this.logFailure(method, url, error, started);
        this.record(
          method,
          error.downstreamStatus ?? (error.code === 'deadline' ? 'timeout' : 'error'),
          started,
        );
      }
      throw error;
    } finally {
      deadline?.dispose();
    }
  }

  /** Closes the connections after the calls in flight and stops watching the TLS files. */
  close(): Promise<void> {
    this.registry.clients.delete(this);
    return this.transport.close();
  }

  /** Re-reads the TLS files now, instead of at the next interval. Returns whether they changed. */
  reloadTls(): boolean {
    return this.transport.reload();
  }

  private target(path: string, query: QueryParams | undefined): URL {
    const dynamic = this.options.dynamic;
    try {
      if (dynamic && /^[a-z][a-z0-9+.-]*:/i.test(path)) {
        let url: URL;
        try {
          url = new URL(path);
        } catch {
          // An IPv6 zone id (`[fe80::1%25eth0]`) and other URLs WHATWG refuses land here.
          throw new RefusedPath('the URL does not parse');
        }
        const scheme = url.protocol.slice(0, -1);
        if (!dynamic.schemes.includes(scheme))
          throw new RefusedPath(`the scheme ${scheme} is not allowed`);
        if (url.username || url.password) throw new RefusedPath('the URL holds credentials');
        if (dynamic.hosts && !hostAllowed(url.hostname, dynamic.hosts)) {
          throw new RefusedPath(`the host ${url.hostname} is not allowed`);
        }
        url.hash = '';
        appendQuery(url, query);
        return url;
      }
      return joinPath(this.options.baseUrl, path, query);
    } catch (error) {
      if (!(error instanceof RefusedPath)) throw error;
      throw this.failure('destination_refused', `refused before sending: ${error.message}`);
    }
  }

  private headers(
    method: ServiceCallMethod,
    options: CallOptions<unknown>,
  ): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.has(lower)) {
        throw new TypeError(`headers.${name}: cannot be set on a call: the client sets it.`);
      }
      headers[lower] = value;
    }
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    if (method === 'GET' || method === 'HEAD') delete headers['content-type'];
    return headers;
  }

  /** The token of an attempt: at once when it is cached, else once it is fetched. */
  private authorization(
    incoming: ReturnType<typeof incomingContext> | undefined,
    scope: string | undefined,
  ): string | undefined | Promise<string | undefined> {
    const auth = this.options.auth;
    switch (auth.kind) {
      case 'none':
        return undefined;
      case 'clientCredentials': {
        const tokens = this.tokens as TokenSource;
        return (
          tokens.cachedClientToken(scope ?? auth.scope) ?? tokens.clientToken(scope ?? auth.scope)
        );
      }
      case 'tokenExchange':
      case 'propagate': {
        if (!incoming?.token) {
          throw this.failure(
            'no_incoming_token',
            incoming?.dpopBound
              ? 'the incoming request is DPoP-bound; its token cannot be passed on'
              : 'the call needs the incoming request (options.request) with a bearer token',
          );
        }
        if (incoming.dpopBound) {
          throw this.failure(
            'no_incoming_token',
            'the incoming request is DPoP-bound; its token cannot be passed on',
          );
        }
        if (auth.kind === 'tokenExchange') {
          return (this.tokens as TokenSource).exchangedToken(incoming.token, scope ?? undefined);
        }
        const audience = this.options.audience as string;
        if (!incoming.audiences.includes(audience)) {
          throw this.failure(
            'audience_mismatch',
            `the incoming token's audiences [${incoming.audiences.join(', ')}] do not include ${audience}; it is not forwarded`,
          );
        }
        return incoming.token;
      }
      default: {
        const never: never = auth;
        return never;
      }
    }
  }

  /** The call through the breaker; an open breaker is a 503 with `Retry-After`. */
  private async guarded(call: PreparedCall): Promise<Attempt> {
    try {
      return await this.breaker.execute(() => this.withRetries(call));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw this.failure('breaker_open', 'the circuit breaker is open', {
          retryAfterSeconds: this.options.breaker.halfOpenAfterMs / 1000,
        });
      }
      throw error;
    }
  }

  private async withRetries(call: PreparedCall): Promise<Attempt> {
    const { method, url, headers, body, deadline, incoming, scope } = call;
    const retryable = IDEMPOTENT.has(method) || headers['idempotency-key'] !== undefined;
    const { attempts, baseDelayMs, maxDelayMs } = this.options.retry;
    this.budget.recordCall();
    let refreshedToken = false;
    for (let attempt = 0; ; attempt += 1) {
      const pending = this.authorization(incoming, scope);
      const token = typeof pending === 'object' ? await pending : pending;
      let outcome: Attempt | ServiceCallError;
      try {
        outcome = await this.send(method, url, headers, body, deadline, token);
      } catch (error) {
        if (!(error instanceof ServiceCallError)) throw error;
        outcome = error;
      }
      if (!(outcome instanceof ServiceCallError)) {
        // RFC 6750 §3.1: a refused token is fetched again once, whatever the method.
        if (
          outcome.status === 401 &&
          token !== undefined &&
          !refreshedToken &&
          this.tokens !== undefined &&
          /invalid_token/i.test(String(outcome.headers['www-authenticate'] ?? ''))
        ) {
          refreshedToken = true;
          this.tokens.invalidate(token);
          attempt -= 1;
          continue;
        }
        if (outcome.status >= 200 && outcome.status < 300) return outcome;
        const failure = this.failure(
          REDIRECTS.has(outcome.status) ? 'redirect_refused' : 'downstream_status',
          `the downstream answered ${outcome.status}`,
          { downstreamStatus: outcome.status },
        );
        const retryAfterMs = retryAfter(outcome.headers['retry-after']);
        const transient =
          outcome.status === 502 ||
          outcome.status === 503 ||
          outcome.status === 504 ||
          (outcome.status === 429 && retryAfterMs !== undefined);
        if (!transient || !retryable || attempt >= attempts) throw failure;
        if (!(await this.backoff(attempt, retryAfterMs, deadline, baseDelayMs, maxDelayMs)))
          throw failure;
        continue;
      }
      if (
        !retryable ||
        attempt >= attempts ||
        (outcome.code !== 'connect' && outcome.code !== 'deadline') ||
        deadline.aborted
      ) {
        throw outcome;
      }
      if (!(await this.backoff(attempt, undefined, deadline, baseDelayMs, maxDelayMs)))
        throw outcome;
    }
  }

  /** Waits before a retry; `false` when the budget is spent or the deadline would pass. */
  private async backoff(
    attempt: number,
    retryAfterMs: number | undefined,
    deadline: CallDeadline,
    baseDelayMs: number,
    maxDelayMs: number,
  ): Promise<boolean> {
    // Full jitter (AWS architecture blog): a random delay up to the exponential cap.
    let delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    if (retryAfterMs !== undefined) {
      // A wait that outlasts the call's deadline is no retry at all.
      if (retryAfterMs >= deadline.at - performance.now()) return false;
      delay = Math.max(delay, retryAfterMs);
    }
    if (!this.budget.tryRetry()) {
      this.budgetExhausted += 1;
      notify((listener) => listener.budgetExhausted(this.name));
      return false;
    }
    this.retries += 1;
    notify((listener) => listener.retry(this.name));
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal: deadline.signal });
      } catch {
        return false;
      }
    }
    return !deadline.aborted;
  }

  private async send(
    method: ServiceCallMethod,
    first: URL,
    headers: Readonly<Record<string, string>>,
    body: string | Uint8Array | undefined,
    deadline: CallDeadline,
    token: string | undefined,
  ): Promise<Attempt> {
    let url = first;
    let currentMethod: string = method;
    let currentHeaders = headers;
    let currentBody = body;
    for (let hop = 0; ; hop += 1) {
      const response = await this.dispatch(
        url,
        currentMethod,
        currentHeaders,
        currentBody,
        deadline,
        token,
      );
      const location = response.headers.location;
      if (
        !this.options.followRedirects ||
        !REDIRECTS.has(response.status) ||
        typeof location !== 'string'
      ) {
        return { status: response.status, headers: response.headers, bytes: response.bytes, url };
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw this.failure('redirect_refused', 'the downstream redirected to an invalid URL');
      }
      if (next.origin !== url.origin) {
        throw this.failure('redirect_refused', 'the downstream redirected to another origin', {
          downstreamStatus: response.status,
        });
      }
      if (hop >= MAX_REDIRECTS) {
        throw this.failure('redirect_refused', `more than ${MAX_REDIRECTS} redirects`);
      }
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && currentMethod === 'POST')
      ) {
        currentMethod = 'GET';
        currentBody = undefined;
        if (currentHeaders['content-type'] !== undefined) {
          const { 'content-type': _dropped, ...rest } = currentHeaders;
          currentHeaders = rest;
        }
      }
      url = next;
    }
  }

  /** The call's headers with the token: made once per token when the call adds no header. */
  private withToken(
    headers: Readonly<Record<string, string>>,
    token: string | undefined,
  ): Readonly<Record<string, string>> {
    if (token === undefined) return headers;
    if (token !== this.lastToken) {
      this.lastToken = token;
      this.lastAuthorization = `Bearer ${token}`;
      this.lastHeaders = { ...ACCEPT_JSON, authorization: this.lastAuthorization };
    }
    if (headers === ACCEPT_JSON) return this.lastHeaders;
    return { ...headers, authorization: this.lastAuthorization };
  }

  private async dispatch(
    url: URL,
    method: string,
    headers: Readonly<Record<string, string>>,
    body: string | Uint8Array | undefined,
    deadline: CallDeadline,
    token: string | undefined,
  ): Promise<Exchanged> {
    const dpop = this.tokens?.dpopHandle;
    try {
      if (token !== undefined && dpop !== undefined) {
        const response = await this.dispatchWithProof(
          url,
          method,
          headers,
          body,
          deadline.signal,
          token,
          dpop,
        );
        return await this.readBody(response, method === 'HEAD');
      }
      return await exchange(
        this.transport.dispatcher,
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: method as Dispatcher.HttpMethod,
          headers: this.withToken(headers, token),
          body: body ?? null,
        },
        deadline,
        this.options.maxResponseBytes,
      );
    } catch (error) {
      throw this.transportFailure(error, deadline);
    }
  }

  /**
   * A call with a DPoP proof (RFC 9449 §7) made by oauth4webapi, over the same undici agent;
   * one more try after a `use_dpop_nonce` challenge, with the nonce the server sent.
   */
  private async dispatchWithProof(
    url: URL,
    method: string,
    headers: Readonly<Record<string, string>>,
    body: string | Uint8Array | undefined,
    signal: AbortSignal,
    token: string,
    dpop: oauth.DPoPHandle,
  ): Promise<RawResponse> {
    const options: oauth.ProtectedResourceRequestOptions = {
      DPoP: dpop,
      signal,
      [oauth.allowInsecureRequests]: url.protocol === 'http:',
      [oauth.customFetch]: (target, init) =>
        undiciFetch(target, {
          ...(init as object),
          dispatcher: this.transport.dispatcher,
        }) as unknown as Promise<Response>,
    };
    const send = async (): Promise<Response> => {
      try {
        return await oauth.protectedResourceRequest(
          token,
          method,
          url,
          new Headers(headers),
          body ?? null,
          options,
        );
      } catch (error) {
        // A challenge is an answer like any other: the retry logic decides what it means.
        if (
          error instanceof oauth.WWWAuthenticateChallengeError &&
          !oauth.isDPoPNonceError(error)
        ) {
          return error.response;
        }
        throw error;
      }
    };
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      response = await send();
    }
    const stream = response.body;
    return {
      statusCode: response.status,
      headers: Object.fromEntries(response.headers),
      body: (stream ?? emptyBody()) as AsyncIterable<Uint8Array>,
      discard: () => stream?.cancel() ?? Promise.resolve(),
      abort: () => {
        stream?.cancel().catch(() => undefined);
      },
    };
  }

  /** Reads a fetch() response the way {@link exchange} reads undici's. */
  private async readBody(response: RawResponse, head: boolean): Promise<Exchanged> {
    const limit = this.options.maxResponseBytes;
    const status = response.statusCode;
    const headers = response.headers;
    const declared = head ? Number.NaN : Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      response.abort();
      throw new BodyTooLarge(declared, limit);
    }
    // The body of a failed call is never read: it is not ours to pass on.
    if (status < 200 || status >= 300) {
      await response.discard().catch(() => undefined);
      return { status, headers, bytes: undefined };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > limit) {
        response.abort();
        throw new BodyTooLarge(undefined, limit);
      }
      // A view of the chunk, not a copy: the one copy is the concatenation.
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    return { status, headers, bytes: Buffer.concat(chunks, size) };
  }

  private async parse<T>(attempt: Attempt, options: CallOptions<T>): Promise<T> {
    const bytes = attempt.bytes ?? Buffer.alloc(0);
    const type = options.responseType ?? 'json';
    if (type === 'bytes') return bytes as T;
    if (type === 'text') return bytes.toString('utf8') as T;
    if (bytes.length === 0)
      return validateResponse(undefined, options.validate, (message) => this.invalid(message));
    const contentType = String(attempt.headers['content-type'] ?? '');
    if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(contentType)) {
      throw this.invalid('the response is not JSON');
    }
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw this.invalid('the response is not valid JSON');
    }
    return validateResponse(value, options.validate, (message) => this.invalid(message));
  }

  private invalid(message: string): ServiceCallError {
    return this.failure('invalid_response', message);
  }

  private transportFailure(error: unknown, deadline: CallDeadline): ServiceCallError {
    if (error instanceof ServiceCallError) return error;
    if (error instanceof BodyTooLarge) return this.failure('response_too_large', error.message);
    const chain: unknown[] = [];
    for (
      let cause: unknown = error;
      cause instanceof Error && chain.length < 5;
      cause = cause.cause
    )
      chain.push(cause);
    if (chain.some((entry) => entry instanceof DestinationRefused)) {
      const refused = chain.find((entry) => entry instanceof DestinationRefused) as Error;
      return this.failure('destination_refused', `refused at connect: ${refused.message}`, {
        cause: error,
      });
    }
    if (chain.some((entry) => entry instanceof PeerMismatch)) {
      const mismatch = chain.find((entry) => entry instanceof PeerMismatch) as Error;
      return this.failure('peer_mismatch', mismatch.message, { cause: error });
    }
    const code = (error as { code?: string }).code ?? '';
    if (
      deadline.aborted ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'UND_ERR_ABORTED'
    ) {
      return this.failure('deadline', `no answer in time (${code || 'deadline'})`, {
        cause: error,
      });
    }
    return this.failure('connect', `the connection failed (${code || (error as Error).name})`, {
      cause: error,
    });
  }

  /** Tells the metrics listeners, if any: a status, or `timeout` / `error` without one. */
  private record(method: string, outcome: number | string, started: number): void {
    const listeners = this.registry.listeners;
    if (listeners.size === 0) return;
    const record = {
      client: this.name,
      method,
      statusClass: typeof outcome === 'number' ? `${Math.floor(outcome / 100)}xx` : outcome,
      seconds: (this.options.now() - started) / 1000,
    };
    for (const listener of listeners) listener.call(record);
  }

  /** One line per failed call: no query string, no token, no downstream body. */
  private logFailure(
    method: string,
    url: URL | undefined,
    error: ServiceCallError,
    started: number,
  ): void {
    logger.warn({
      msg: 'service call failed',
      client: this.name,
      method,
      ...(url === undefined ? {} : { origin: url.origin, path: url.pathname }),
      reason: error.code,
      ...(error.downstreamStatus === undefined ? {} : { downstreamStatus: error.downstreamStatus }),
      status: error.getStatus(),
      durationMs: this.options.now() - started,
    });
  }

  private failure(
    reason: ServiceCallReason,
    message: string,
    extra: { downstreamStatus?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ): ServiceCallError {
    return new ServiceCallError({ target: this.name, reason, message, ...extra });
  }
}

async function* emptyBody(): AsyncIterable<Uint8Array> {}

function spanOutcome(result: Attempt | undefined, error: unknown): SpanOutcome {
  return result !== undefined
    ? { status: result.status }
    : error instanceof ServiceCallError
      ? { status: error.downstreamStatus, errorType: error.code }
      : { errorType: (error as Error | undefined)?.name ?? 'error' };
}

function countsForBreaker(error: ServiceCallError): boolean {
  if (error.code === 'downstream_status') return (error.downstreamStatus ?? 0) >= 500;
  return error.code === 'connect' || error.code === 'deadline';
}

function hostAllowed(hostname: string, hosts: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return hosts.some((pattern) =>
    pattern.startsWith('*.')
      ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1
      : host === pattern,
  );
}

/** RFC 9110 §10.2.3: seconds, or an HTTP date. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function encodeBody(
  body: unknown,
  headers: Record<string, string>,
): string | Uint8Array | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  headers['content-type'] ??= 'application/json';
  return JSON.stringify(body);
}

/**
 * Creates a client outside Nest. Options are validated here (a bad one throws
 * `BulwarkConfigError` naming the option and its variable); the key file is loaded.
 *
 * @example
 * ```ts
 * const payments = await createServiceClient({
 *   name: 'payments',
 *   baseUrl: 'https://payments.internal/v2/',
 *   audience: 'https://payments.internal',
 *   auth: { kind: 'clientCredentials', scope: 'payments:charge' },
 * });
 * ```
 */
export async function createServiceClient(options: ServiceClientOptions): Promise<ServiceClient> {
  return buildServiceClient(resolveClientOptions(options));
}

/** @internal Builds a client from options already resolved. */
export async function buildServiceClient(
  resolved: ResolvedClientOptions,
  onReloadError: (message: string) => void = (message) => process.emitWarning(message),
): Promise<ServiceClient> {
  await loadTracing();
  const transport = new Transport(resolved, onReloadError);
  const problem = transport.initialProblem();
  if (problem) {
    await transport.close();
    throw new BulwarkConfigError(
      problem.file === 'key'
        ? 'TLS_KEY_FILE (option tls.keyFile)'
        : 'TLS_CERT_FILE (option tls.certFile)',
      `${problem.message}.`,
    );
  }
  let tokens: TokenSource | undefined;
  const auth = resolved.auth;
  if (auth.kind === 'clientCredentials' || auth.kind === 'tokenExchange') {
    let credential: ConstructorParameters<typeof TokenSource>[0]['credential'];
    if (auth.keyPem !== undefined) {
      try {
        credential = { kind: 'privateKeyJwt', key: await loadPrivateKey(auth.keyPem, auth.keyId) };
      } catch (error) {
        await transport.close();
        throw new BulwarkConfigError(
          'AUTH_CLIENT_KEY_FILE',
          `is not a usable private key (option auth.keyFile): ${(error as Error).message}.`,
          { cause: error },
        );
      }
    } else {
      credential = { kind: 'secret', secret: auth.secret as string };
    }
    let dpop: oauth.DPoPHandle | undefined;
    let dpopThumbprint: string | undefined;
    if (auth.dpop) {
      dpop = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
      dpopThumbprint = await dpop.calculateThumbprint();
    }
    tokens = new TokenSource({
      dpop,
      dpopThumbprint,
      target: resolved.name,
      tokenUrl: auth.tokenUrl,
      issuer: auth.issuer,
      clientId: auth.clientId,
      credential,
      scope: auth.scope,
      resource: auth.resource,
      audience: resolved.audience,
      dispatcher: () => transport.tokenDispatcher,
      timeoutMs: resolved.totalMs,
      now: resolved.now,
      random: Math.random,
    });
  }
  return new ServiceClient(resolved, transport, tokens);
}
