/** What a started SDK exposes to the rest of the package. */
export interface StartedSdk {
  shutdown(): Promise<void>;
}

interface TracingState {
  sdk: StartedSdk | undefined;
  recordPrincipal: boolean;
}

// On globalThis, so that the preload entry and the module share it even if the package is
// loaded twice (for example once from the preload path and once from the application).
const KEY = Symbol.for('bulwark.tracing.state');

export function tracingState(): TracingState {
  const holder = globalThis as unknown as Record<symbol, TracingState | undefined>;
  holder[KEY] ??= { sdk: undefined, recordPrincipal: false };
  return holder[KEY];
}
