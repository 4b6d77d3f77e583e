import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveRouteTemplate } from '@bulwark/core';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { metric } from './metric.js';

// RFC 9110 section 9 methods plus PATCH (RFC 5789); anything else shares one label value, as
// OpenTelemetry's HTTP conventions do, so that invented methods cannot add label values.
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** nginx's convention for a request whose client went away before the response finished. */
const CLIENT_CLOSED_REQUEST = '499';

/** Records RED metrics for every request of one HTTP server. */
export class HttpMetrics {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  private inFlight = 0;

  constructor(
    registry: Registry,
    buckets: readonly number[],
    private readonly unmatchedRoute: string,
  ) {
    this.duration = metric(
      registry,
      'http_request_duration_seconds',
      (registers) =>
        new Histogram({
          name: 'http_request_duration_seconds',
          help: 'Duration of HTTP requests in seconds, by method, route template and status code.',
          labelNames: ['method', 'route', 'status_code'],
          buckets: [...buckets],
          registers,
        }),
    );
    const inFlight = () => this.inFlight;
    metric(
      registry,
      'http_requests_in_flight',
      (registers) =>
        new Gauge({
          name: 'http_requests_in_flight',
          help: 'HTTP requests being served right now.',
          registers,
          // Read at scrape time: a plain integer keeps prom-client off the per-request path.
          collect() {
            this.set(inFlight());
          },
        }),
    );
  }

  /** The `request` listener to put in front of the application's own. */
  readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const start = performance.now();
    this.inFlight++;
    response.on('close', () => {
      this.inFlight--;
      const seconds = (performance.now() - start) / 1000;
      const method =
        request.method && KNOWN_METHODS.has(request.method) ? request.method : '_OTHER';
      this.duration.observe(
        {
          method,
          route: resolveRouteTemplate(request) ?? this.unmatchedRoute,
          status_code: response.writableFinished
            ? String(response.statusCode)
            : CLIENT_CLOSED_REQUEST,
        },
        seconds,
      );
    });
  };
}
