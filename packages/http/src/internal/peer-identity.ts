import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { getRequestId, type Peer, type ProblemException, problem } from '@bulwark/core';
import { publishSecurityEvent, type SecurityEventKind } from '@bulwark/core/events';
import {
  type ClientAddressResolver,
  peerFromCertificate,
  peerFromForwardedClientCert,
} from '@bulwark/core/peer';
import { rawRequest, setPeer } from '@bulwark/core/request';
import { sendProblem } from '@bulwark/errors/problems';
import type { ResolvedTlsOptions } from '../http-options.interface.js';

/** What the peer-identity hook needs, decided once at start-up. */
export interface PeerIdentitySettings {
  readonly tls: ResolvedTlsOptions | undefined;
  readonly header: string | undefined;
  readonly clientAddresses: ClientAddressResolver;
}

/** A connection's verified peer, computed once per connection, not once per request. */
const TLS_PEERS = new WeakMap<TLSSocket, Peer>();

function pathOf(raw: IncomingMessage): string {
  const url = raw.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function refuse(
  request: unknown,
  response: unknown,
  event: { kind: SecurityEventKind; reason: string; details?: Record<string, string> },
  refusal: ProblemException,
  clients: ClientAddressResolver,
): void {
  const raw = rawRequest(request);
  publishSecurityEvent({
    kind: event.kind,
    reason: event.reason,
    requestId: getRequestId(raw),
    clientAddress: clients.resolve(raw),
    details: event.details,
  });
  sendProblem(refusal, request, response);
}

function certificateProblem(detail: string, reason: string): ProblemException {
  return problem('client-certificate-required', { detail, reason });
}

function headerProblem(header: string, reason: string): ProblemException {
  return problem('invalid-peer-identity', {
    detail: `The ${header} header could not be used.`,
    reason,
  });
}

/** How many times `name` (lowercase) appears among the raw headers. */
function headerCount(raw: IncomingMessage, name: string): number {
  const headers = raw.rawHeaders;
  let count = 0;
  for (let index = 0; index < headers.length; index += 2) {
    if ((headers[index] as string).toLowerCase() === name) count += 1;
  }
  return count;
}

/**
 * The request step (`peer-identity` stage) that gives each request its {@link Peer}: from the client certificate
 * verified in this connection's handshake, then, when the socket peer is a trusted proxy, from
 * the nearest element of its identity header. It refuses, with a problem and a security event:
 * a request without a verified certificate when one is required (401), one whose certificate did
 * not verify (401), and a trusted proxy's header that is repeated or malformed (400). Paths under
 * `exemptPaths` (the probes) are never refused. Returns `false` when it answered the request.
 */
export function peerIdentityStep(
  settings: PeerIdentitySettings,
): (request: unknown, response: unknown) => false | undefined {
  const { tls, header, clientAddresses } = settings;
  const exempt = tls?.exemptPaths ?? ['/health/live', '/health/ready', '/health/startup'];
  const exact = new Set(exempt.filter((path) => !path.endsWith('/')));
  const prefixes = exempt.filter((path) => path.endsWith('/'));
  const mutual = tls?.clientCaFile !== undefined;
  const required = mutual && tls?.clientAuth === 'required';
  return (request, response) => {
    const raw = rawRequest(request);
    const path = pathOf(raw);
    if (exact.has(path)) return undefined;
    for (let index = 0; index < prefixes.length; index += 1) {
      if (path.startsWith(prefixes[index] as string)) return undefined;
    }
    if (mutual) {
      const socket = raw.socket as TLSSocket;
      let peer = TLS_PEERS.get(socket);
      if (peer === undefined) {
        const certificate = socket.getPeerX509Certificate?.();
        if (certificate !== undefined && socket.authorized) {
          peer = peerFromCertificate(certificate);
          TLS_PEERS.set(socket, peer);
        } else if (certificate !== undefined) {
          const code = String(socket.authorizationError ?? 'UNVERIFIED');
          refuse(
            request,
            response,
            {
              kind: 'authentication.failed',
              reason: 'client_certificate_invalid',
              details: { code },
            },
            certificateProblem(
              'The client certificate could not be verified.',
              `client certificate not verified: ${code}`,
            ),
            clientAddresses,
          );
          return false;
        } else if (required) {
          refuse(
            request,
            response,
            { kind: 'authentication.failed', reason: 'client_certificate_missing' },
            certificateProblem(
              'This endpoint requires a client certificate.',
              'no client certificate presented',
            ),
            clientAddresses,
          );
          return false;
        }
      }
      if (peer !== undefined) setPeer(raw, peer);
    }
    if (header !== undefined) {
      const count = headerCount(raw, header);
      if (count > 0) {
        if (!clientAddresses.isTrustedPeer(raw)) {
          // Anyone can write the header; only the sidecar in front of us may be believed.
          publishSecurityEvent({
            kind: 'input.rejected',
            reason: 'untrusted_peer_header',
            requestId: getRequestId(raw),
            clientAddress: clientAddresses.resolve(raw),
            details: { header },
          });
        } else if (count > 1) {
          refuse(
            request,
            response,
            { kind: 'input.rejected', reason: 'peer_header_repeated', details: { header } },
            headerProblem(header, `${header} sent ${count} times`),
            clientAddresses,
          );
          return false;
        } else {
          try {
            setPeer(raw, peerFromForwardedClientCert(raw.headers[header] as string));
          } catch (error) {
            refuse(
              request,
              response,
              { kind: 'input.rejected', reason: 'peer_header_malformed', details: { header } },
              headerProblem(header, `${header}: ${(error as Error).message}`),
              clientAddresses,
            );
            return false;
          }
        }
      }
    }
    return undefined;
  };
}
