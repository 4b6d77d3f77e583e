import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real JWKS endpoint on loopback that can be stopped and brought back on the same port. */
export interface JwksServer {
  readonly url: string;
  /** Requests answered so far. */
  readonly hits: number;
  /** Whether it is listening. */
  readonly running: boolean;
  /** Changes the key set it serves. */
  serve(body: unknown): void;
  /** Stops listening and drops open connections: fetches now fail to connect. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts a JWKS server that serves `body` as JSON. */
export async function startJwksServer(body: unknown): Promise<JwksServer> {
  let current = JSON.stringify(body);
  let hits = 0;
  let port = 0;
  let server: Server | undefined;
  const listen = async () => {
    const next = createServer((_request, response) => {
      hits += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(current);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get hits() {
      return hits;
    },
    get running() {
      return server !== undefined;
    },
    serve(next: unknown) {
      current = JSON.stringify(next);
    },
    async stop() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    start: listen,
  };
}
