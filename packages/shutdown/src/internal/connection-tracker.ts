import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { ShutdownClock } from '../shutdown-options.interface.js';

/**
 * Tracks the sockets of a Node HTTP server and the requests in flight on each, and drains
 * them: stop accepting, `Connection: close` on every response still to be written, close idle
 * keep-alive sockets after a grace, and never touch a socket with a request in flight.
 *
 * It listens on the raw `http.Server`, which Express and Fastify both use underneath.
 */
export class ConnectionTracker {
  private readonly sockets = new Map<Socket, Set<ServerResponse>>();
  private draining = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly server: Server,
    private readonly clock: ShutdownClock,
    private readonly idleGraceMs: number,
  ) {
    server.on('connection', this.onConnection);
    server.on('secureConnection', this.onConnection);
    // First in line, so a response gets its header before any handler can write it.
    server.prependListener('request', this.onRequest);
  }

  /** Sockets open now. */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    let count = 0;
    for (const responses of this.sockets.values()) count += responses.size;
    return count;
  }

  /** Stops listening to the server. */
  detach(): void {
    this.server.off('connection', this.onConnection);
    this.server.off('secureConnection', this.onConnection);
    this.server.off('request', this.onRequest);
  }

  /**
   * Starts draining and resolves once every socket has closed. Call {@link destroyAll} to end
   * it early.
   */
  drain(): Promise<void> {
    this.draining = true;
    // net.Server#close only stops accepting. http.Server#close (Node >= 19) would also run
    // closeIdleConnections(), destroying an "idle" socket whose next request is already on
    // the wire: the reset of gajus/http-terminator#48.
    NetServer.prototype.close.call(this.server, () => {});
    const done = new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    for (const [socket, responses] of this.sockets) {
      if (responses.size === 0) this.closeWhenStillIdle(socket);
      for (const response of responses) this.markClosing(response);
    }
    this.settle();
    return done;
  }

  /** Destroys every socket, in flight or not: the timeout has passed. */
  destroyAll(): void {
    for (const socket of this.sockets.keys()) socket.destroy();
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.sockets.has(socket)) return;
    this.sockets.set(socket, new Set());
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.settle();
    });
    if (this.draining) this.closeWhenStillIdle(socket);
  };

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const socket = request.socket;
    if (!this.sockets.has(socket)) this.onConnection(socket);
    const responses = this.sockets.get(socket);
    if (!responses) return;
    responses.add(response);
    if (this.draining) this.markClosing(response);
    response.once('close', () => {
      responses.delete(response);
      if (this.draining && responses.size === 0 && !socket.destroyed) {
        this.closeWhenStillIdle(socket);
      }
    });
  };

  /** RFC 9112 §9.6: `Connection: close` tells the client not to reuse the connection. */
  private markClosing(response: ServerResponse): void {
    if (!response.headersSent) response.setHeader('Connection', 'close');
  }

  private closeWhenStillIdle(socket: Socket): void {
    this.clock.setTimeout(() => {
      if (socket.destroyed || (this.sockets.get(socket)?.size ?? 0) > 0) return;
      // end() sends FIN and lets unread bytes be read; destroy() could answer them with RST.
      socket.end();
    }, this.idleGraceMs);
  }

  private settle(): void {
    if (this.draining && this.sockets.size === 0) this.drained?.();
  }
}
