import {
  getRequestId,
  isPublicRoute,
  type Principal,
  ProblemException,
  parseBearer,
  publishSecurityEvent,
  rawRequest,
  resolveRouteTemplate,
  setPrincipal,
  setResponseHeader,
  takeAuthFailureRefusal,
} from '@bulwark/core';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthError, type AuthFailureReason } from './auth.error.js';
import { AuthKeyStore } from './auth-key.store.js';

type Outcome = 'no_credentials' | 'invalid_request' | 'invalid_token' | 'unavailable';

/**
 * The global guard `AuthModule` registers: reads `Authorization: Bearer` (never the query string
 * or body), verifies the token, and attaches the principal. Routes marked `@Public()` are skipped.
 *
 * Failures follow RFC 6750 §3: 401 with a bare challenge when no bearer credentials were sent,
 * 400 `invalid_request` for a malformed header, 401 `invalid_token` for a refused token. The
 * `error_description` stays generic; the reason goes to the `authentication.failed` security event.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: AuthKeyStore,
  ) {}

  /**
   * Answers synchronously for a token found in the verified-token cache (Nest then awaits
   * nothing); a token that needs a signature check answers with a promise.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (isPublicRoute(this.reflector, context)) return true;
    // Deny by default: only HTTP carries a bearer header this guard can check.
    if (context.getType() !== 'http') return false;
    const http = context.switchToHttp();
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();
    const verifier = this.store.verifier;

    const credentials = parseBearer(rawRequest(request).headers.authorization);
    if (credentials.kind === 'missing') {
      return this.reject(request, response, 'no_credentials', 'missing_credentials');
    }
    // Another scheme means no bearer credentials.
    if (credentials.kind === 'other-scheme') {
      return this.reject(request, response, 'no_credentials', 'unsupported_scheme');
    }
    const { token } = credentials;
    if (token.length > verifier.maxTokenLength) {
      return this.reject(request, response, 'invalid_token', 'token_too_long');
    }
    if (!credentials.wellFormed) {
      return this.reject(request, response, 'invalid_request', 'malformed_header');
    }
    // The length was checked above, so the cache lookup cannot throw.
    const cached = verifier.verifyCached(token);
    if (cached) return this.accept(request, response, cached);
    return verifier.verify(token).then(
      (principal) => this.accept(request, response, principal),
      (error: unknown) => this.refuse(request, response, error),
    );
  }

  private accept(request: unknown, response: unknown, principal: Principal): true {
    setPrincipal(request, principal);
    // Responses to authenticated requests are per-caller: keep them out of shared caches.
    setResponseHeader(response, 'cache-control', 'no-store');
    return true;
  }

  private refuse(request: unknown, response: unknown, error: unknown): never {
    if (!(error instanceof AuthError)) throw error;
    const outcome = error.code === 'AUTH_INVALID_TOKEN' ? 'invalid_token' : 'unavailable';
    return this.reject(request, response, outcome, error.reason);
  }

  private reject(
    request: unknown,
    response: unknown,
    outcome: Outcome,
    reason: AuthFailureReason,
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
    const realm = `Bearer realm="${this.store.verifier.realm}"`;
    switch (outcome) {
      case 'no_credentials':
        setResponseHeader(response, 'www-authenticate', realm);
        throw new ProblemException({
          kind: 'authentication-required',
          status: 401,
          title: 'Unauthorized',
          detail: 'This resource needs a bearer access token.',
          reason,
        });
      case 'invalid_request':
        setResponseHeader(
          response,
          'www-authenticate',
          `${realm}, error="invalid_request", error_description="The Authorization header is malformed"`,
        );
        throw new ProblemException({
          kind: 'invalid-request',
          status: 400,
          title: 'Bad Request',
          detail: 'The Authorization header is malformed.',
          reason,
        });
      case 'invalid_token':
        setResponseHeader(
          response,
          'www-authenticate',
          `${realm}, error="invalid_token", error_description="The access token is invalid"`,
        );
        throw new ProblemException({
          kind: 'invalid-token',
          status: 401,
          title: 'Unauthorized',
          detail: 'The access token was not accepted.',
          reason,
        });
      case 'unavailable':
        setResponseHeader(response, 'retry-after', '5');
        throw new ProblemException({
          kind: 'authentication-unavailable',
          status: 503,
          title: 'Service Unavailable',
          detail: 'Access tokens cannot be checked right now. Try again later.',
          reason,
        });
      default: {
        const unknown: never = outcome;
        throw new TypeError(`unknown outcome ${String(unknown)}`);
      }
    }
  }
}
