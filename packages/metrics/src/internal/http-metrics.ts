import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_METHODS, resolveRouteTemplate } from '@bulwark/core/routes';
import { Gauge, type Registry } from 'prom-client';
import { metric } from './metric.js';
import { RouteHistogram } from './route-histogram.js';

// Index 0 is every method outside `HTTP_METHODS`; the index keys the series within a route.
const METHOD_INDEX = new Map(['_OTHER', ...HTTP_METHODS].map((method, index) => [method, index]));

/** nginx's convention for a request whose client went away before the response finished. */
const CLIENT_CLOSED_REQUEST = 499;

/** When the request arrived (`performance.now()`), kept on the response it belongs to. */
const STARTED = Symbol('bulwark.metrics.started');

interface TimedResponse extends ServerResponse {
  [STARTED]: number;
}

/** Records RED metrics for every request of one HTTP server. */
export class HttpMetrics {
  private readonly duration: RouteHistogram;
  private inFlight = 0;
  /** The `close` listener of every response; Node calls it with the response as `this`. */
  private readonly onClose: (this: TimedResponse) => void;

  constructor(
    registry: Registry,
    buckets: readonly number[],
    private readonly unmatchedRoute: string,
  ) {
    this.duration = RouteHistogram.on(
      registry,
      'http_request_duration_seconds',
      'Duration of HTTP requests in seconds, by method, route template and status code.',
      buckets,
    );
    const metrics = this;
    this.onClose = function onClose() {
      metrics.finish(this);
    };
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
  readonly onRequest = (_request: IncomingMessage, response: ServerResponse): void => {
    (response as TimedResponse)[STARTED] = performance.now();
    this.inFlight++;
    // One listener for every response (Node calls it with the response as `this`): no closure
    // is allocated per request.
    response.on('close', this.onClose);
  };

  /** Records the request `response` answered, or that its client abandoned. */
  private finish(response: TimedResponse): void {
    this.inFlight--;
    const seconds = (performance.now() - response[STARTED]) / 1000;
    const request = response.req;
    const methodIndex = METHOD_INDEX.get(request.method ?? '') ?? 0;
    this.duration.record(
      resolveRouteTemplate(request) ?? this.unmatchedRoute,
      methodIndex === 0 ? '_OTHER' : (request.method as string),
      methodIndex,
      response.writableFinished ? response.statusCode : CLIENT_CLOSED_REQUEST,
      seconds,
    );
  }
}
