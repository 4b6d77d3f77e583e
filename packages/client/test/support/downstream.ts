import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One request a downstream saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** SHA-256 fingerprint of the client certificate, on TLS. */
  clientCertificate: string | undefined;
}

/** A real HTTP(S) server on loopback that records what it receives. */
export interface Downstream {
  readonly url: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  readonly hits: number;
  close(): Promise<void>;
}

export type Handler = (
  request: SeenRequest,
  response: ServerResponse,
  raw: IncomingMessage,
) => void;

export const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

/** Starts a downstream; `tls` makes it HTTPS. */
export async function startDownstream(
  handler: Handler,
  options: { tls?: ServerOptions; host?: string; port?: number } = {},
): Promise<Downstream> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const listener = (raw: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const socket = raw.socket as TLSSocket;
      const certificate =
        typeof socket.getPeerX509Certificate === 'function'
          ? socket.getPeerX509Certificate()
          : undefined;
      const request: SeenRequest = {
        method: raw.method ?? '',
        path: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        clientCertificate: certificate?.fingerprint256,
      };
      seen.push(request);
      handler(request, response, raw);
    });
  };
  const server: Server = options.tls
    ? createHttpsServer(options.tls, listener)
    : createHttpServer(listener);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    seen,
    get hits() {
      return seen.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
