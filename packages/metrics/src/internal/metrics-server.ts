import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { MetricsError } from '../metrics.error.js';

// Marks Bulwark's own listeners, so that @bulwark/tracing does not trace Prometheus scrapes.
const INTERNAL_LISTENER = Symbol.for('bulwark.internal-listener');

/** The separate listener that serves the exposition. */
export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly path: string,
  ) {}

  /** The bound port, once listening. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async listen(port: number, host: string | undefined): Promise<void> {
    const server = createServer((request, response) => {
      const url = request.url ?? '/';
      const pathname = url.split('?', 1)[0];
      if (pathname !== this.path) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response
          .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
          .end('Method Not Allowed\n');
        return;
      }
      this.registry.metrics().then(
        (body) => {
          response.writeHead(200, {
            'content-type': this.registry.contentType,
            'cache-control': 'no-store',
          });
          response.end(request.method === 'HEAD' ? undefined : body);
        },
        () => {
          response
            .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
            .end('Metrics collection failed\n');
        },
      );
    });
    (server as unknown as Record<symbol, boolean>)[INTERNAL_LISTENER] = true;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        // An address the machine does not have is the host's fault; anything else, the port's.
        const hostAtFault = ['ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(error.code ?? '');
        const hint = hostAtFault
          ? 'Set METRICS_HOST (or the host option) to an address of this machine, such as the pod IP or 0.0.0.0, or unset it for all interfaces.'
          : 'Set METRICS_PORT (or the port option) to a free port from 0 to 65535.';
        reject(
          new MetricsError(
            'METRICS_LISTEN_FAILED',
            `the metrics listener could not listen on ${host ?? '*'}:${port} (${error.code ?? error.message}). ${hint}`,
            { cause: error },
          ),
        );
      });
      server.listen(port, host, () => resolve());
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
