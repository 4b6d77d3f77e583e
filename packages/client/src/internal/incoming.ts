import { getPrincipal, getRequestId } from '@bulwark/core';
import { parseAuthorization } from '@bulwark/core/pipeline';
import { rawRequest } from '@bulwark/core/request';

/** The connection of an incoming request, whose close ends the calls made for it. */
export interface IncomingConnection {
  readonly destroyed: boolean;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** What a call takes from the request that made it. */
export interface IncomingContext {
  /** The bearer token, when the request had one. */
  token: string | undefined;
  /** Whether the request was DPoP-bound (a `DPoP` scheme or a `DPoP` proof header). */
  dpopBound: boolean;
  /**
   * The token's audiences, from the verified principal or the token's payload; read only by
   * propagation, so worked out on first use.
   */
  readonly audiences: readonly string[];
  requestId: string | undefined;
  traceparent: string | undefined;
  tracestate: string | undefined;
  /** The connection whose close aborts the call; `undefined` for a detached call. */
  connection: IncomingConnection | undefined;
}

function audiencesOf(request: unknown, token: string | undefined): string[] {
  const claims =
    getPrincipal(request)?.claims ??
    (token === undefined
      ? undefined
      : (decodePayload(token) as Record<string, unknown> | undefined));
  const aud = claims?.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

/** Reads a JWT's payload without verifying it: the auth guard verified it on the way in. */
function decodePayload(token: string): unknown {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads the incoming request (Express or Fastify) a call was made for. */
export function incomingContext(request: unknown, detached: boolean): IncomingContext {
  const raw = rawRequest(request);
  const authorization = raw.headers.authorization;
  const bearer = parseAuthorization(authorization);
  const dpopBound = raw.headers.dpop !== undefined || /^dpop\s/i.test(authorization ?? '');
  const token = bearer.kind === 'bearer' && bearer.wellFormed ? bearer.token : undefined;
  const header = (name: string) => {
    const value = raw.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  let audiences: string[] | undefined;
  return {
    token,
    dpopBound,
    get audiences() {
      audiences ??= audiencesOf(request, token);
      return audiences;
    },
    requestId: getRequestId(request) ?? header('x-request-id'),
    traceparent: header('traceparent'),
    tracestate: header('tracestate'),
    connection: detached ? undefined : (raw.socket ?? undefined),
  };
}
