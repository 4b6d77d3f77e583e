import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import {
  getPeer,
  getRequestId,
  type Principal,
  type ProblemKind,
  problem,
  setResponseHeader,
} from '@bulwark/core';
import { publishSecurityEvent } from '@bulwark/core/events';
import { peerThumbprint } from '@bulwark/core/peer';
import {
  type PipelineStage,
  type PipelineStep,
  parseAuthorization,
  ROUTE_METADATA,
  RoutePlans,
  type RouteTarget,
  takeAuthFailureRefusal,
} from '@bulwark/core/pipeline';
import { rawRequest, setPrincipal } from '@bulwark/core/request';
import { resolveRouteTemplate } from '@bulwark/core/routes';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthError, type AuthFailureReason } from './auth.error.js';
import { AuthKeyStore } from './auth-key.store.js';
import type { VerifiedDpopProof } from './dpop-verifier.js';
import type { TokenPresentation } from './token-verifier.js';

type Outcome =
  | 'no_credentials'
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'unavailable';

/** The challenge scheme of a refusal: `DPoP` once the client used it or the mode requires it. */
type Challenge = 'Bearer' | 'DPoP';

/**
 * RFC 8705 §3: the SHA-256 thumbprint (`x5t#S256`) of the client certificate of this request:
 * the peer `@bulwark/http` attached (TLS, or a trusted proxy's XFCC `Hash`), else the
 * certificate on the socket. The TLS handshake proved possession of its key, so the binding
 * holds even when no CA vouched for the certificate (§2.2).
 */
function certificateThumbprint(request: unknown): string | undefined {
  const peer = getPeer(request);
  if (peer) return peerThumbprint(peer);
  const socket = rawRequest(request).socket as Partial<TLSSocket> | undefined;
  if (typeof socket?.getPeerX509Certificate !== 'function') return undefined;
  const certificate = socket.getPeerX509Certificate();
  return certificate && createHash('sha256').update(certificate.raw).digest('base64url');
}

/** Every `DPoP` header line as sent: Node would join repeated lines into one value. */
function dpopHeaders(request: unknown): string[] {
  const raw = rawRequest(request);
  const lines = raw.rawHeaders ?? [];
  const values: string[] = [];
  for (let index = 0; index + 1 < lines.length; index += 2) {
    const name = lines[index] as string;
    // Only a four-character name can be `DPoP`: the others are not lower-cased.
    if (name.length === 4 && name.toLowerCase() === 'dpop') values.push(lines[index + 1] as string);
  }
  return values;
}

/**
 * Authentication, the first step of the request pipeline `AuthModule` registers (it runs before
 * the rate limiter and authorization whatever the modules' import order), and a guard usable with
 * `@UseGuards(AuthGuard)`. Reads `Authorization: Bearer` or `Authorization: DPoP` (never the
 * query string or body), verifies the token, and attaches the principal. Routes marked
 * `@Public()` are skipped: that is decided once per route, not per request.
 *
 * Failures follow RFC 6750 §3: 401 with a bare challenge when no bearer credentials were sent,
 * 400 `invalid_request` for a malformed header, 401 `invalid_token` for a refused token. The
 * `error_description` stays generic; the reason goes to the `authentication.failed` security event.
 *
 * With `DPoP` (RFC 9449), the one `DPoP` proof header is verified on every request (the token
 * cache never stands in for it), then the token, which must be bound to the proof key, then the
 * proof is recorded against replay. Refusals use the `DPoP` challenge with `algs`:
 * `error="invalid_dpop_proof"`, `error="use_dpop_nonce"` with a `DPoP-Nonce` header, or
 * `error="invalid_token"`; a replay store that cannot answer gives 503 with `Retry-After`.
 */
@Injectable()
export class AuthGuard implements CanActivate, PipelineStep<true> {
  /** Runs first among the pipeline's guard steps. */
  readonly stage: PipelineStage = 'authentication';
  private readonly plans = new RoutePlans((route) => this.planFor(route));

  constructor(
    private readonly reflector: Reflector,
    private readonly store: AuthKeyStore,
  ) {}

  /** `undefined` (nothing to do) on a `@Public()` route or controller; `true` on every other. */
  planFor(route: RouteTarget): true | undefined {
    const open = this.reflector.getAllAndOverride<boolean | undefined>(ROUTE_METADATA.public, [
      route.handler,
      route.controller,
    ]);
    return open === true ? undefined : true;
  }

  /** As a guard of its own (`@UseGuards(AuthGuard)`): the route's plan, then {@link run}. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.plans.get(context.getClass(), context.getHandler()) === undefined) return true;
    return this.run(context);
  }

  /**
   * Authenticates a request to a route that is not public. Answers synchronously for a token
   * found in the verified-token cache (Nest then awaits nothing); a token that needs a signature
   * check answers with a promise.
   */
  run(context: ExecutionContext): boolean | Promise<boolean> {
    // Deny by default: only HTTP carries a bearer header this guard can check.
    if (context.getType() !== 'http') return false;
    const http = context.switchToHttp();
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();
    const verifier = this.store.verifier;

    const dpop = verifier.dpop;
    const credentials = parseAuthorization(rawRequest(request).headers.authorization);
    // DPoP's challenge once the client spoke DPoP, or when bearer tokens are refused anyway.
    const required: Challenge = dpop.mode === 'required' ? 'DPoP' : 'Bearer';
    if (credentials.kind === 'missing') {
      return this.reject(request, response, 'no_credentials', 'missing_credentials', required);
    }
    // Another scheme means no credentials; so does DPoP when it is off.
    if (
      credentials.kind === 'other-scheme' ||
      (credentials.kind === 'dpop' && dpop.mode === 'off')
    ) {
      return this.reject(request, response, 'no_credentials', 'unsupported_scheme', required);
    }
    const challenge: Challenge = credentials.kind === 'dpop' ? 'DPoP' : required;
    const { token } = credentials;
    if (token.length > verifier.maxTokenLength) {
      return this.reject(request, response, 'invalid_token', 'token_too_long', challenge);
    }
    if (!credentials.wellFormed) {
      return this.reject(request, response, 'invalid_request', 'malformed_header', challenge);
    }
    if (credentials.kind === 'bearer') {
      if (dpop.mode === 'required') {
        return this.reject(request, response, 'invalid_token', 'dpop_required', 'DPoP');
      }
      const presented: TokenPresentation = {
        scheme: 'bearer',
        certificateThumbprint: () => certificateThumbprint(request),
      };
      let cached: Principal | undefined;
      try {
        // The length was checked above; a cached token can still fail its sender constraints.
        cached = verifier.verifyCached(token, presented);
      } catch (error) {
        return this.refuse(request, response, error, 'Bearer');
      }
      if (cached) return this.accept(request, response, cached);
      return verifier.verify(token, presented).then(
        (principal) => this.accept(request, response, principal),
        (error: unknown) => this.refuse(request, response, error, 'Bearer'),
      );
    }
    let answer: true | Promise<true>;
    try {
      answer = this.verifyDpop(request, response, token);
    } catch (error) {
      return this.refuse(request, response, error, 'DPoP');
    }
    return answer === true
      ? true
      : answer.catch((error: unknown) => this.refuse(request, response, error, 'DPoP'));
  }

  /**
   * RFC 9449 §7.1: the proof first (every request, never cached), then the token bound to its
   * key, then the replay store, so only requests that passed everything else spend a store entry.
   * Synchronous while each step is (a proof key seen before, a cached token, the memory store).
   */
  private verifyDpop(request: unknown, response: unknown, token: string): true | Promise<true> {
    const verifier = this.store.verifier;
    const proofs = dpopHeaders(request);
    if (proofs.length === 0) throw invalidDpopRequest('dpop_proof_missing');
    // RFC 9449 §4.3 step 1: exactly one DPoP header.
    if (proofs.length > 1) throw invalidDpopRequest('dpop_proof_multiple');
    const raw = rawRequest(request);
    const proof = verifier.dpop.verifyNow(proofs[0] as string, {
      method: raw.method ?? '',
      htu: verifier.dpop.requestHtu(request),
      accessToken: token,
    });
    return proof instanceof Promise
      ? proof.then((checked) => this.bindDpop(request, response, token, checked))
      : this.bindDpop(request, response, token, proof);
  }

  private bindDpop(
    request: unknown,
    response: unknown,
    token: string,
    proof: VerifiedDpopProof,
  ): true | Promise<true> {
    const verifier = this.store.verifier;
    const presented: TokenPresentation = {
      scheme: 'dpop',
      dpopJkt: proof.jkt,
      certificateThumbprint: () => certificateThumbprint(request),
    };
    const cached = verifier.verifyCached(token, presented);
    return cached === undefined
      ? verifier
          .verify(token, presented)
          .then((principal) => this.claimDpop(request, response, proof, principal))
      : this.claimDpop(request, response, proof, cached);
  }

  private claimDpop(
    request: unknown,
    response: unknown,
    proof: VerifiedDpopProof,
    principal: Principal,
  ): true | Promise<true> {
    const claimed = this.store.verifier.dpop.claimNow(proof);
    return claimed instanceof Promise
      ? claimed.then(() => this.acceptDpop(request, response, principal))
      : this.acceptDpop(request, response, principal);
  }

  private acceptDpop(request: unknown, response: unknown, principal: Principal): true {
    const nonce = this.store.verifier.dpop.currentNonce();
    if (nonce !== undefined) setResponseHeader(response, 'dpop-nonce', nonce);
    return this.accept(request, response, principal);
  }

  private accept(request: unknown, response: unknown, principal: Principal): true {
    setPrincipal(request, principal);
    // Responses to authenticated requests are per-caller: keep them out of shared caches.
    setResponseHeader(response, 'cache-control', 'no-store');
    return true;
  }

  private refuse(request: unknown, response: unknown, error: unknown, challenge: Challenge): never {
    if (!(error instanceof AuthError)) throw error;
    return this.reject(request, response, outcomeOf(error), error.reason, challenge);
  }

  private reject(
    request: unknown,
    response: unknown,
    outcome: Outcome,
    reason: AuthFailureReason,
    challenge: Challenge,
  ): never {
    const raw = rawRequest(request);
    const template = resolveRouteTemplate(request);
    publishSecurityEvent({
      kind: 'authentication.failed',
      reason,
      requestId: getRequestId(request),
      route: template === undefined ? undefined : `${raw.method} ${template}`,
    });
    // The failed-authentication limiter (@bulwark/rate-limit) marked an address over its budget:
    // a failing attempt from it gets that 429. Valid credentials never reach this line.
    if (outcome !== 'unavailable') {
      const limited = takeAuthFailureRefusal(request);
      if (limited) throw limited;
    }
    const dpop = this.store.verifier.dpop;
    const nonce = challenge === 'DPoP' ? dpop.currentNonce() : undefined;
    if (nonce !== undefined) setResponseHeader(response, 'dpop-nonce', nonce);
    // The catalog writes the challenge: `error` per outcome, DPoP's `algs` (RFC 9449 §7.1).
    throw problem(PROBLEMS[outcome], {
      reason,
      challenge: { scheme: challenge, realm: this.store.verifier.realm, algs: dpop.algs },
      headers: outcome === 'unavailable' ? { 'retry-after': '5' } : undefined,
      response,
    });
  }
}

/** The problem of each outcome, from `@bulwark/core`'s catalog. */
const PROBLEMS: Readonly<Record<Outcome, ProblemKind>> = {
  no_credentials: 'authentication-required',
  invalid_request: 'invalid-request',
  invalid_token: 'invalid-token',
  invalid_dpop_proof: 'invalid-dpop-proof',
  use_dpop_nonce: 'use-dpop-nonce',
  unavailable: 'authentication-unavailable',
};

function invalidDpopRequest(reason: AuthFailureReason): AuthError {
  return new AuthError('AUTH_INVALID_DPOP_PROOF', reason, `DPoP proof refused: ${reason}`);
}

function outcomeOf(error: AuthError): Outcome {
  switch (error.code) {
    case 'AUTH_INVALID_TOKEN':
      return 'invalid_token';
    case 'AUTH_INVALID_DPOP_PROOF':
      return 'invalid_dpop_proof';
    case 'AUTH_USE_DPOP_NONCE':
      return 'use_dpop_nonce';
    case 'AUTH_KEYS_UNAVAILABLE':
    case 'AUTH_DPOP_STORE_UNAVAILABLE':
    case 'AUTH_DEV_ISSUER':
      return 'unavailable';
    default: {
      const unknown: never = error.code;
      throw new TypeError(`unknown code ${String(unknown)}`);
    }
  }
}
