import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { TestIssuer } from '../src/index.js';

/** Holes to open in the reference service, one per conformance check family. */
export interface Defects {
  /** Accept any token whose claims look right, without verifying the signature. */
  skipSignature?: boolean;
  /** Fetch the `jku` header URL, as a naive verifier would. */
  fetchJku?: boolean;
  /** Serve any note to anyone with the scope. */
  noOwnerCheck?: boolean;
  /** Honour `roles: "admin"` as a string. */
  roleString?: boolean;
  /** Send no security headers. */
  noHeaders?: boolean;
  /** Answer invalid JSON with a 500 carrying the stack. */
  leakStack?: boolean;
  /** Put the Redis URL in the readiness body. */
  readyInternals?: boolean;
  /** No rate limit at all. */
  noRateLimit?: boolean;
  /** Refuse every request from an address over its failed-authentication budget, valid tokens too. */
  lockoutAddress?: boolean;
  /** Take a note from the first element of an array body, its `ownerId` included. */
  massAssignment?: boolean;
  /** With mTLS: admit any client certificate, verified or not. */
  anyCertificate?: boolean;
  /** With mTLS: let requests without a certificate through. */
  noCertificateRequired?: boolean;
  /** With mTLS: the probes need a certificate too. */
  certificateOnProbes?: boolean;
  /** With mTLS: ignore `cnf["x5t#S256"]`. */
  ignoreCertificateBinding?: boolean;
  /** With mTLS: refuse unverified or missing certificates in the handshake, probes included. */
  rejectInHandshake?: boolean;
}

/** Serve HTTPS with this key and certificate, asking for client certificates from `ca`. */
export interface ReferenceTls {
  key: string;
  cert: string;
  ca: string;
}

export interface ReferenceService {
  readonly url: string;
  close(): Promise<void>;
}

const LIMIT = 20;
const AUTH_FAILURE_LIMIT = 100;

/**
 * A small node:http service that keeps the Bulwark HTTP contract by hand, so the conformance
 * suite can be proven against a known-good target and against each known hole.
 */
export async function startReferenceService(
  issuer: TestIssuer,
  defects: Defects = {},
  tls?: ReferenceTls,
): Promise<ReferenceService> {
  const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
  const notes = new Map<string, { id: string; owner: string; title: string }>();
  const hits = new Map<string, number>();
  const failures = new Map<string, number>();

  const verify = async (token: string, req: IncomingMessage): Promise<JWTPayload> => {
    if (token.length > 8192) throw new Error('too long');
    const header = decodeProtectedHeader(token);
    if (defects.fetchJku && typeof header.jku === 'string')
      await fetch(header.jku).catch(() => undefined);
    if (defects.skipSignature) return decodeJwt(token);
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: ['ES256', 'RS256', 'EdDSA'],
      issuer: issuer.issuer,
      audience: issuer.audience,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub'],
    });
    const bound = (payload.cnf as Record<string, unknown> | undefined)?.['x5t#S256'];
    if (bound !== undefined && !defects.ignoreCertificateBinding) {
      // RFC 8705 §3: the token's thumbprint must be the certificate of this connection.
      const raw = tls && (req.socket as TLSSocket).getPeerX509Certificate?.()?.raw;
      if (!raw || createHash('sha256').update(raw).digest('base64url') !== bound)
        throw new Error('certificate binding');
    }
    return payload;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    const headers: Record<string, string> = { 'x-request-id': requestId };
    if (!defects.noHeaders) {
      Object.assign(headers, {
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
      });
    } else {
      headers['x-powered-by'] = 'Express';
    }
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers, ...extra });
      res.end(JSON.stringify(body));
    };
    const problem = (status: number, title: string, extra: Record<string, string> = {}) =>
      send(
        status,
        { type: `urn:bulwark:problem:${status}`, title, status, requestId },
        { 'content-type': 'application/problem+json', ...extra },
      );
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (tls && (!path.startsWith('/health/') || defects.certificateOnProbes)) {
      const socket = req.socket as TLSSocket;
      const presented = socket.getPeerX509Certificate?.() !== undefined;
      const verified = presented && (socket.authorized || defects.anyCertificate === true);
      if (!verified && (presented || !defects.noCertificateRequired))
        return problem(401, 'Client certificate required');
    }
    if (path === '/health/live') return send(200, { status: 'ok' });
    if (path === '/health/ready')
      return send(
        200,
        defects.readyInternals
          ? { status: 'ok', redis: 'redis://10.0.0.5:6379' }
          : { status: 'ok' },
      );

    const known =
      path === '/v1/notes' || path === '/v1/admin/notes' || /^\/v1\/notes\/[\w-]+$/.test(path);
    if (!known) return problem(404, 'Not Found');
    const authorization = req.headers.authorization;
    const realm = 'Bearer realm="reference"';
    if (!authorization) return problem(401, 'Unauthorized', { 'www-authenticate': realm });
    // The failed-authentication limiter: past its budget, an address's failing attempts get 429.
    const address = req.socket.remoteAddress ?? '';
    const spent = (failures.get(address) ?? 0) >= AUTH_FAILURE_LIMIT;
    const slowDown = () => problem(429, 'Too Many Requests', { 'retry-after': '60' });
    if (spent && defects.lockoutAddress) return slowDown();
    const failed = (status: 400 | 401, error: string) => {
      if (spent) return slowDown();
      failures.set(address, (failures.get(address) ?? 0) + 1);
      return problem(status, status === 400 ? 'Bad Request' : 'Unauthorized', {
        'www-authenticate': `${realm}, error="${error}"`,
      });
    };
    const match = /^Bearer ([\w.~+/-]+=*)$/.exec(authorization);
    if (!match?.[1]) return failed(400, 'invalid_request');
    let claims: JWTPayload;
    try {
      claims = await verify(match[1], req);
    } catch {
      return failed(401, 'invalid_token');
    }
    headers['cache-control'] = 'no-store';
    const sub = String(claims.sub);
    if (!defects.noRateLimit) {
      const used = (hits.get(sub) ?? 0) + 1;
      hits.set(sub, used);
      const rate = {
        'ratelimit-policy': `"default";q=${LIMIT};w=60`,
        ratelimit: `"default";r=${Math.max(0, LIMIT - used)};t=60`,
      };
      Object.assign(headers, rate);
      if (used > LIMIT) return problem(429, 'Too Many Requests', { 'retry-after': '60' });
    }
    const scopes = String(claims.scope ?? '').split(' ');
    const roles = claims.roles;
    const isAdmin = Array.isArray(roles)
      ? roles.includes('admin')
      : defects.roleString === true && roles === 'admin';

    if (path === '/v1/admin/notes')
      return isAdmin ? send(200, [...notes.values()]) : problem(403, 'Forbidden');
    const raw = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => resolve(text));
    });
    if (raw.length > 102_400) return problem(413, 'Content Too Large');
    let body: unknown = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch (error) {
        if (defects.leakStack)
          return send(500, { message: String(error), stack: (error as Error).stack });
        return problem(400, 'Bad Request');
      }
    }
    if (path === '/v1/notes') {
      if (method === 'POST') {
        if (!scopes.includes('notes:write')) return problem(403, 'Forbidden');
        const input = (defects.massAssignment && Array.isArray(body) ? body[0] : body) as Record<
          string,
          unknown
        >;
        // The whitelist: one object with only a title.
        const accepted =
          defects.massAssignment ||
          (typeof body === 'object' &&
            body !== null &&
            !Array.isArray(body) &&
            Object.keys(body).every((key) => key === 'title'));
        if (!accepted) return problem(400, 'Bad Request');
        const owner =
          defects.massAssignment && typeof input?.ownerId === 'string' ? input.ownerId : sub;
        const note = { id: randomUUID(), owner, title: String(input?.title ?? '') };
        notes.set(note.id, note);
        return send(201, note, { location: `/v1/notes/${note.id}` });
      }
      if (!scopes.includes('notes:read')) return problem(403, 'Forbidden');
      return send(
        200,
        [...notes.values()].filter((n) => n.owner === sub),
      );
    }
    const note = notes.get(path.split('/').at(-1) ?? '');
    if (!note || (note.owner !== sub && !defects.noOwnerCheck)) return problem(404, 'Not Found');
    if (method === 'PATCH') {
      note.title = String((body as Record<string, unknown>).title ?? note.title);
    }
    if (method === 'DELETE') {
      notes.delete(note.id);
      res.writeHead(204, headers);
      return res.end();
    }
    return send(200, note);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  };
  // The certificate is asked for in the handshake but judged per request, so probes need none.
  const server = tls
    ? createHttpsServer(
        {
          ...tls,
          requestCert: true,
          rejectUnauthorized: defects.rejectInHandshake === true,
          minVersion: 'TLSv1.2',
        },
        listener,
      )
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
