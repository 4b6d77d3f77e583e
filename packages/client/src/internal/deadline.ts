import type { IncomingConnection } from './incoming.js';

/**
 * The deadline of one call: one timer, cleared when the call ends, the caller's signal and the
 * incoming request's connection linked to it. It does what
 * `AbortSignal.any([AbortSignal.timeout(ms), ...signals])` did, without the two signals, the weak
 * references and the listener objects those allocate on every call: an `AbortSignal` is made only
 * when something asks for one (a backoff sleep, a DPoP call through `fetch`).
 */
export class CallDeadline {
  /** When the call must be over, on the `performance.now()` clock. */
  readonly at: number;
  /** Whether the deadline passed or a linked signal aborted. */
  aborted = false;
  /** Why: a `TimeoutError` `DOMException`, or the linked signal's reason. */
  reason: unknown;
  private timer: NodeJS.Timeout | undefined;
  private hook: ((reason: unknown) => void) | undefined;
  private controller: AbortController | undefined;
  private linked: AbortSignal[] | undefined;
  private readonly onLinkedAbort: (() => void) | undefined;
  private connection: IncomingConnection | undefined;

  constructor(
    totalMs: number,
    signals: ReadonlyArray<AbortSignal | undefined>,
    connection?: IncomingConnection,
  ) {
    this.at = performance.now() + totalMs;
    if (connection !== undefined) {
      // The request that made the call went away: the call ends with it.
      if (connection.destroyed) {
        this.abort(new DOMException('This operation was aborted', 'AbortError'));
        return;
      }
      this.connection = connection;
      watch(connection, this);
    }
    for (const signal of signals) {
      if (signal === undefined) continue;
      if (signal.aborted) {
        this.abort(signal.reason);
        return;
      }
      this.linked ??= [];
      this.linked.push(signal);
    }
    if (this.linked !== undefined) {
      const linked = this.linked;
      this.onLinkedAbort = () => {
        const source = linked.find((signal) => signal.aborted);
        this.abort(source?.reason);
      };
      for (const signal of linked) signal.addEventListener('abort', this.onLinkedAbort);
    }
    this.timer = setTimeout(expire, totalMs, this);
  }

  /** An `AbortSignal` that aborts with the deadline, made on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /**
   * Calls `hook` when the deadline aborts (at once when it has already); one hook at a time, the
   * exchange in flight. Returns the function that removes it.
   */
  onAbort(hook: (reason: unknown) => void): () => void {
    if (this.aborted) {
      hook(this.reason);
      return noop;
    }
    this.hook = hook;
    return () => {
      if (this.hook === hook) this.hook = undefined;
    };
  }

  /** Aborts now: the exchange in flight and the signal, if one was made. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.dispose();
    const hook = this.hook;
    this.hook = undefined;
    hook?.(reason);
    this.controller?.abort(reason);
  }

  /** Clears the timer and unlinks the caller's signals; the call is over. */
  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.linked !== undefined && this.onLinkedAbort !== undefined) {
      for (const signal of this.linked) signal.removeEventListener('abort', this.onLinkedAbort);
      this.linked = undefined;
    }
    if (this.connection !== undefined) {
      unwatch(this.connection, this);
      this.connection = undefined;
    }
  }
}

function noop(): void {}

/** The calls in flight for an incoming connection, and the one `close` listener they share. */
interface Watched {
  calls: Set<CallDeadline>;
  onClose: () => void;
}

/**
 * One `close` listener per incoming connection, however many calls are made for it at once: a
 * listener per call would pass the socket's `MaxListeners` (10) at the 9th concurrent call.
 */
const watched = new WeakMap<IncomingConnection, Watched>();

function watch(connection: IncomingConnection, deadline: CallDeadline): void {
  const known = watched.get(connection);
  if (known !== undefined) {
    known.calls.add(deadline);
    return;
  }
  const calls = new Set<CallDeadline>([deadline]);
  const onClose = () => {
    watched.delete(connection);
    connection.off('close', onClose);
    // The request that made the calls went away: they end with it.
    for (const call of [...calls]) {
      call.abort(new DOMException('This operation was aborted', 'AbortError'));
    }
  };
  watched.set(connection, { calls, onClose });
  connection.on('close', onClose);
}

function unwatch(connection: IncomingConnection, deadline: CallDeadline): void {
  const known = watched.get(connection);
  if (known === undefined) return;
  known.calls.delete(deadline);
  if (known.calls.size === 0) {
    // Keep-alive connections outlive the calls: leave no listener behind.
    watched.delete(connection);
    connection.off('close', known.onClose);
  }
}

function expire(deadline: CallDeadline): void {
  deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
}
