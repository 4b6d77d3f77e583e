import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { CallDeadline } from './deadline.js';

/** Bytes of an error or redirect body read (and dropped) to keep the connection. */
const DISCARD_LIMIT = 128 * 1024;

/** One request and its response, the body read when it is kept. */
export interface Exchanged {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body of a 2xx answer; `undefined` for any other, whose body is never kept. */
  bytes: Buffer | undefined;
}

/** A response body over the limit, declared or streamed. */
export class BodyTooLarge extends Error {
  constructor(
    readonly declared: number | undefined,
    readonly limit: number,
  ) {
    super(
      declared === undefined
        ? `the response is over ${limit} bytes`
        : `the response declares ${declared} bytes, over ${limit}`,
    );
  }
}

/**
 * Sends one request through undici's dispatcher and reads the answer straight from its
 * handler: the body of a 2xx answer is kept up to `limit` bytes (the chunks undici hands over,
 * concatenated once), any other body is read and dropped so the connection can be reused, and the
 * deadline aborts the exchange wherever it is: queued, connecting, waiting or mid-body. This is
 * what undici's `request()` with a signal, then reading its body stream, did, without the
 * `AsyncResource`, the stream, the async iterator and the abort listener of every call.
 */
export function exchange(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  deadline: CallDeadline,
  limit: number,
): Promise<Exchanged> {
  return new Promise<Exchanged>((resolve, reject) => {
    const handler = new ExchangeHandler(
      resolve,
      reject,
      deadline,
      limit,
      options.method === 'HEAD',
    );
    if (deadline.aborted) {
      reject(deadline.reason);
      return;
    }
    handler.unhook = deadline.onAbort((reason) => handler.abort(reason));
    dispatcher.dispatch(options, handler);
  });
}

class ExchangeHandler implements Dispatcher.DispatchHandler {
  unhook: (() => void) | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private abortedWith: unknown;
  private settled = false;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private keep = false;
  private chunks: Buffer[] | undefined;
  private size = 0;

  constructor(
    private readonly resolve: (value: Exchanged) => void,
    private readonly reject: (reason: unknown) => void,
    private readonly deadline: CallDeadline,
    private readonly limit: number,
    private readonly head: boolean,
  ) {}

  /** The deadline passed: end the exchange now, even when undici has not started it yet. */
  abort(reason: unknown): void {
    this.abortedWith = reason;
    this.fail(reason);
    this.controller?.abort(reason as Error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Aborted while it waited for a connection: it leaves the queue without being sent.
    if (this.abortedWith !== undefined || this.deadline.aborted) {
      controller.abort((this.abortedWith ?? this.deadline.reason) as Error);
    }
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    this.chunks = undefined;
    this.size = 0;
    this.keep = statusCode >= 200 && statusCode < 300;
    // A HEAD answer declares the length of a body it does not send (RFC 9110 §9.3.2).
    const declared = this.head ? Number.NaN : Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.limit) {
      const error = new BodyTooLarge(declared, this.limit);
      this.fail(error);
      controller.abort(error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (!this.keep) {
      // The body of a failed call is not ours to pass on: read up to a bound, then hang up.
      if (this.size > DISCARD_LIMIT) {
        // The answer is its status; settled first, so the abort's error is not the outcome.
        this.succeed(undefined);
        controller.abort(new BodyTooLarge(undefined, DISCARD_LIMIT));
      }
      return;
    }
    if (this.size > this.limit) {
      const error = new BodyTooLarge(undefined, this.limit);
      this.fail(error);
      controller.abort(error);
      return;
    }
    if (this.chunks === undefined) this.chunks = [chunk];
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.keep) {
      this.succeed(undefined);
      return;
    }
    const chunks = this.chunks;
    this.succeed(
      chunks === undefined
        ? Buffer.alloc(0)
        : chunks.length === 1
          ? (chunks[0] as Buffer)
          : Buffer.concat(chunks, this.size),
    );
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // An answer that is not a 2xx is its status, its body only drained: a body cut short does
    // not turn it into a failed connection (which would be retried, and would skip the
    // `invalid_token` retry of a 401), as it did not with `request()` and `body.dump()`.
    if (this.status >= 200 && !this.keep) this.succeed(undefined);
    else this.fail(error);
  }

  private succeed(bytes: Buffer | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.unhook?.();
    this.resolve({ status: this.status, headers: this.headers, bytes });
  }

  private fail(reason: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.unhook?.();
    this.reject(reason);
  }
}
