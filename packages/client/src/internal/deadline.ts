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
      join(connections, connection, this, listenToConnection);
    }
    for (const signal of signals) {
      if (signal === undefined) continue;
      if (signal.aborted) {
        this.abort(signal.reason);
        return;
      }
      this.linked ??= [];
      this.linked.push(signal);
      join(callerSignals, signal, this, listenToSignal);
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
    if (this.linked !== undefined) {
      for (const signal of this.linked) leave(callerSignals, signal, this);
      this.linked = undefined;
    }
    if (this.connection !== undefined) {
      // Keep-alive connections outlive the calls: the last one leaves no listener behind.
      leave(connections, this.connection, this);
      this.connection = undefined;
    }
  }
}

function noop(): void {}

/** The calls in flight linked to one source (a caller's signal, an incoming connection). */
interface Linked {
  calls: Set<CallDeadline>;
  /** Removes the one listener the calls share. */
  stop: () => void;
}

/**
 * One listener per source, however many calls are linked to it at once: a listener per call
 * passes Node's `MaxListeners` (10) when a caller shares one signal among its calls, or an
 * incoming request fans out into concurrent calls, and Node prints a
 * `MaxListenersExceededWarning` (`AbortSignal.any()` added none to its sources).
 */
const callerSignals = new WeakMap<AbortSignal, Linked>();
const connections = new WeakMap<IncomingConnection, Linked>();

/** Listens once to a source; `end` is called with the reason the linked calls abort with. */
type Listen<S> = (source: S, end: (reason: unknown) => void) => () => void;

const listenToSignal: Listen<AbortSignal> = (signal, end) => {
  const onAbort = () => end(signal.reason);
  signal.addEventListener('abort', onAbort);
  return () => signal.removeEventListener('abort', onAbort);
};

const listenToConnection: Listen<IncomingConnection> = (connection, end) => {
  // The request that made the calls went away: they end with it.
  const onClose = () => end(new DOMException('This operation was aborted', 'AbortError'));
  connection.on('close', onClose);
  return () => connection.off('close', onClose);
};

function join<S extends object>(
  registry: WeakMap<S, Linked>,
  source: S,
  deadline: CallDeadline,
  listen: Listen<S>,
): void {
  const known = registry.get(source);
  if (known !== undefined) {
    known.calls.add(deadline);
    return;
  }
  const calls = new Set<CallDeadline>([deadline]);
  const linked: Linked = {
    calls,
    stop: listen(source, (reason) => {
      registry.delete(source);
      linked.stop();
      for (const call of [...calls]) call.abort(reason);
    }),
  };
  registry.set(source, linked);
}

function leave<S extends object>(
  registry: WeakMap<S, Linked>,
  source: S,
  deadline: CallDeadline,
): void {
  const known = registry.get(source);
  if (known === undefined) return;
  known.calls.delete(deadline);
  if (known.calls.size === 0) {
    registry.delete(source);
    known.stop();
  }
}

function expire(deadline: CallDeadline): void {
  deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
}
