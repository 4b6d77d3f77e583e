/** One finished call, as metrics see it. */
export interface CallRecord {
  client: string;
  method: string;
  /** `2xx`…`5xx` of the downstream's answer, or `timeout` or `error` when there was none. */
  statusClass: string;
  seconds: number;
}

/** Receives what every client does, for metrics. */
export interface CallListener {
  call(record: CallRecord): void;
  retry(client: string): void;
  budgetExhausted(client: string): void;
  tokenFetch(client: string, grant: string): void;
}

/** A live client, for the breaker gauge. */
export interface LiveClient {
  readonly name: string;
  readonly breakerOpen: boolean;
}

interface CallRegistry {
  listeners: Set<CallListener>;
  clients: Set<LiveClient>;
}

// On globalThis under a Symbol.for key, so two copies of this package in one process agree.
const KEY = Symbol.for('bulwark.client.calls');

/** The process-wide listeners and live clients. */
export function callRegistry(): CallRegistry {
  const holder = globalThis as unknown as Record<symbol, CallRegistry | undefined>;
  holder[KEY] ??= { listeners: new Set(), clients: new Set() };
  return holder[KEY];
}

/** Tells every listener; nothing to do when none is registered. */
export function notify(event: (listener: CallListener) => void): void {
  for (const listener of callRegistry().listeners) event(listener);
}
