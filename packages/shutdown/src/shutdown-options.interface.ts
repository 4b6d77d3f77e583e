import type { Environment } from '@bulwark/core/env';

/**
 * The timers of the shutdown state machine. Inject a manual clock in tests, so no test waits
 * for a real delay.
 */
export interface ShutdownClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` after `ms`; returns the function that cancels it. */
  setTimeout(callback: () => void, ms: number): () => void;
}

/** One JSON log line of the shutdown, such as `{ phase: 'drain', durationMs: 812 }`. */
export interface ShutdownLogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  phase: 'startup' | 'signal' | 'delay' | 'drain' | 'close' | 'hook' | 'hooks' | 'exit' | 'forced';
  [field: string]: unknown;
}

/**
 * Options of `ShutdownModule.forRoot()` / `forRootAsync()`.
 *
 * @example
 * ```ts
 * ShutdownModule.forRoot({ delaySeconds: 5, timeoutSeconds: 20 })
 * ```
 */
export interface ShutdownModuleOptions {
  /**
   * How long the app keeps serving normally after the signal, with readiness already 503, while
   * Kubernetes or another load balancer stops routing to the instance. A delay given here or in
   * `SHUTDOWN_DELAY_SECONDS` always applies. Only the built-in default of 5 s is skipped when
   * `KUBERNETES_SERVICE_HOST` is unset (see {@link ShutdownModuleOptions.delayOutsideKubernetes}),
   * and the start-up log says so once.
   * @default `SHUTDOWN_DELAY_SECONDS`, else 5 (inside Kubernetes) or 0 (outside)
   */
  delaySeconds?: number;
  /**
   * How long in-flight requests may take to finish once draining starts. Past it, the sockets
   * are destroyed, the hooks run, and the process exits 1.
   * @default `SHUTDOWN_TIMEOUT_SECONDS`, else 20
   */
  timeoutSeconds?: number;
  /**
   * While draining, a keep-alive socket with no request in flight is closed only after it has
   * stayed idle this long, so a request the client already sent on it is served rather than
   * reset (the race of gajus/http-terminator#48). Bounded by the timeout.
   * @default 1
   */
  idleGraceSeconds?: number;
  /**
   * The most one shutdown hook may take; a hook past it is abandoned and the next one runs.
   * @default 5
   */
  hookTimeoutSeconds?: number;
  /**
   * The signals that start the shutdown. A second one exits at once.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: NodeJS.Signals[];
  /**
   * Apply the built-in default delay even when `KUBERNETES_SERVICE_HOST` is unset. An explicit
   * `delaySeconds` or `SHUTDOWN_DELAY_SECONDS` applies everywhere without it.
   * @default false
   */
  delayOutsideKubernetes?: boolean;
  /**
   * The environment read for `SHUTDOWN_*` and `KUBERNETES_SERVICE_HOST`.
   * @default process.env
   */
  env?: Environment;
  /**
   * Ends the process. For tests.
   * @default (code) => process.exit(code)
   */
  exit?: (code: number) => void;
  /**
   * The clock and timers. For tests.
   * @default Date.now and the global setTimeout
   */
  clock?: ShutdownClock;
  /**
   * Writes one log entry.
   * @default one JSON line on stdout, with `time` in epoch milliseconds
   */
  log?: (entry: ShutdownLogEntry) => void;
}

/**
 * A class for `ShutdownModule.forRootAsync({ useClass })` or `useExisting`.
 *
 * @example
 * ```ts
 * @Injectable()
 * class ShutdownConfig implements ShutdownOptionsFactory {
 *   createShutdownOptions() { return {}; }
 * }
 * ```
 */
export interface ShutdownOptionsFactory {
  /** Returns the module options. */
  createShutdownOptions(): ShutdownModuleOptions | Promise<ShutdownModuleOptions>;
}

/**
 * {@link ShutdownModuleOptions} with defaults applied and seconds turned into milliseconds, as
 * `@InjectShutdownOptions()` gives them.
 */
export interface ResolvedShutdownOptions {
  delayMs: number;
  /** Where the delay came from: the option, `SHUTDOWN_DELAY_SECONDS`, or the built-in default. */
  delaySource: 'option' | 'environment' | 'default';
  /**
   * Whether the delay applies: always when given explicitly; the built-in default only inside
   * Kubernetes or when `delayOutsideKubernetes` is set.
   */
  delayApplies: boolean;
  timeoutMs: number;
  idleGraceMs: number;
  hookTimeoutMs: number;
  signals: NodeJS.Signals[];
  exit: (code: number) => void;
  clock: ShutdownClock;
  log: (entry: ShutdownLogEntry) => void;
}
