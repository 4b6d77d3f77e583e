import type { IncomingMessage, ServerResponse } from 'node:http';
import { addRequestStep, rawRequest, rawResponse } from '@bulwark/core/request';
import helmet from 'helmet';
import { HttpError } from './http.error.js';
import { prepareHeaders } from './internal/prepared-headers.js';

/** The Content-Security-Policy of an API: it serves no document, so nothing may load or frame it. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** helmet configured for an API that serves JSON, never documents. */
const apiHelmet = helmet({
  // Set below, with the exact spacing of the contract.
  contentSecurityPolicy: false,
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  originAgentCluster: true,
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  xContentTypeOptions: true,
  xDnsPrefetchControl: { allow: false },
  xDownloadOptions: true,
  xFrameOptions: { action: 'deny' },
  xPermittedCrossDomainPolicies: { permittedPolicies: 'none' },
  xPoweredBy: true,
  xXssProtection: true,
});

/**
 * What helmet does to a response with the configuration above, recorded once: its output does
 * not depend on the request, so replaying it costs a `setHeader` per header instead of running
 * helmet's middleware chain on every request.
 */
function recordHelmet(): { set: ReadonlyArray<readonly [string, string]>; remove: string[] } {
  const set: Array<readonly [string, string]> = [];
  const remove: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      set.push([name, String(value)]);
    },
    removeHeader: (name: string) => {
      remove.push(name);
    },
  };
  let called = false;
  apiHelmet(
    { headers: {} } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
      called = true;
    },
  );
  // helmet's header middlewares are synchronous; an upgrade that changed that must not go unseen.
  if (!called)
    throw new Error('helmet did not finish synchronously; the headers were not recorded');
  set.push(['Content-Security-Policy', API_CONTENT_SECURITY_POLICY]);
  remove.push('Server');
  return { set, remove };
}

const API_HEADERS = recordHelmet();

/** The recorded headers, written in one pass (see `prepareHeaders`). */
const writeApiHeaders = prepareHeaders(API_HEADERS.set, API_HEADERS.remove);

/**
 * Sets the API security headers on a raw response: helmet's set for APIs (HSTS one year with
 * `includeSubDomains`, `nosniff`, `Referrer-Policy: no-referrer`, CORP and COOP `same-origin`,
 * `X-Frame-Options: DENY`…), the API CSP, and no `X-Powered-By` or `Server`. A request that
 * carries credentials gets `Cache-Control: no-store` (RFC 9111 §5.2.2.5): an authenticated
 * answer must not be kept by a shared cache or the browser.
 */
export function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  if (response.headersSent) return;
  writeApiHeaders(response);
  const headers = request.headers;
  if (headers.authorization !== undefined || headers.cookie !== undefined) {
    response.setHeader('Cache-Control', 'no-store');
  }
}

/**
 * Sets the security headers first thing on every request (routes, 404s, errors, rejected
 * bodies), on Express and Fastify: the `security-headers` stage of `@bulwark/core`'s request
 * steps, right after the request id and before any stage that can refuse a request (peer
 * identity), whatever order the modules were installed in.
 *
 * @example
 * ```ts
 * installSecurityHeaders(app.getHttpAdapter());
 * ```
 */
export function installSecurityHeaders(adapter: unknown): void {
  addRequestStep(adapter, SECURITY_HEADERS_STEP, unsupportedAdapter);
}

const SECURITY_HEADERS_STEP = {
  name: 'security-headers',
  stage: 'security-headers',
  onRequest: (request: unknown, response: unknown): undefined => {
    setSecurityHeaders(rawRequest(request), rawResponse(response));
    return undefined;
  },
} as const;

function unsupportedAdapter(): HttpError {
  return new HttpError(
    'HTTP_UNSUPPORTED_ADAPTER',
    'the HTTP adapter has no request hook; use the Express or Fastify adapter',
  );
}
