/** What a started SDK exposes to the rest of the package. */
export interface StartedSdk {
  shutdown(): Promise<void>;
}

interface TracingState {
  sdk: StartedSdk | undefined;
  recordPrincipal: boolean;
  /** `OTEL_BULWARK_RECORD_STACKS`: 5xx spans carry the (scrubbed) stack trace. */
  recordStacks: boolean;
  /** `OTEL_PROPAGATE_INCOMING_BAGGAGE`: incoming `baggage` is kept instead of dropped. */
  propagateIncomingBaggage: boolean;
}

// On globalThis, so that the preload entry and the module share it even if the package is
// loaded twice (for example once from the preload path and once from the application).
const KEY = Symbol.for('bulwark.tracing.state');

export function tracingState(): TracingState {
  const holder = globalThis as unknown as Record<symbol, TracingState | undefined>;
  holder[KEY] ??= {
    sdk: undefined,
    recordPrincipal: false,
    recordStacks: false,
    propagateIncomingBaggage: false,
  };
  return holder[KEY];
}
