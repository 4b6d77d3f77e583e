import type { Server } from 'node:http';
import {
  BulwarkConfigError,
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
  SHUTDOWN_HOOK,
  type ShutdownHandler,
  type ShutdownHookMetadata,
} from '@bulwark/core';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { ConnectionTracker } from './internal/connection-tracker.js';
import {
  type ResolvedShutdownOptions,
  resolveShutdownOptions,
} from './internal/resolve-options.js';
import { SHUTDOWN_OPTIONS } from './shutdown.constants.js';
import { ShutdownError } from './shutdown.error.js';
import type { ShutdownLogEntry, ShutdownModuleOptions } from './shutdown-options.interface.js';

/**
 * Where the shutdown is: `running` → `delaying` (readiness 503, still serving) → `draining`
 * (not accepting, closing keep-alives, waiting for in-flight requests) → `hooks` → `exiting`.
 */
export type ShutdownState = 'running' | 'delaying' | 'draining' | 'hooks' | 'exiting';

interface DiscoveredHook {
  name: string;
  order: number;
  handler: ShutdownHandler;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The shutdown state machine. It is also the `shutdown` readiness indicator, so readiness
 * turns 503 the moment the signal arrives.
 *
 * @example
 * ```ts
 * // Shut down from code, as a signal would (resolves with the exit code once exit was called):
 * await app.get(ShutdownService).shutdown('maintenance');
 * ```
 */
@ReadinessIndicator('shutdown')
@Injectable()
export class ShutdownService
  implements ReadinessCheck, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly options: ResolvedShutdownOptions;
  private current: ShutdownState = 'running';
  private reason: string | undefined;
  private tracker: ConnectionTracker | undefined;
  private hooks: DiscoveredHook[] = [];
  private running: Promise<number> | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  constructor(
    @Inject(SHUTDOWN_OPTIONS) options: ShutdownModuleOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
  ) {
    // forRootAsync options arrive here unvalidated.
    this.options = resolveShutdownOptions(options);
  }

  /** The current state. */
  get state(): ShutdownState {
    return this.current;
  }

  /** Ready only while `running`: 503 from the first signal on. */
  readiness(): ReadinessResult {
    return this.current === 'running'
      ? { ready: true }
      : { ready: false, detail: `shutting down (${this.reason}), ${this.current}` };
  }

  /** @internal Tracks the HTTP server's sockets, finds the hooks and installs the signals. */
  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server && typeof server.prependListener === 'function') {
      this.tracker = new ConnectionTracker(server, this.options.clock, this.options.idleGraceMs);
    }
    this.hooks = this.discoverHooks();
    const { delayApplies, delayMs } = this.options;
    if (!delayApplies && delayMs > 0) {
      this.write({
        level: 'info',
        msg: `KUBERNETES_SERVICE_HOST is unset: the default shutdown delay of ${delayMs} ms is skipped, so a signal starts the drain at once. Behind another load balancer, set SHUTDOWN_DELAY_SECONDS (option delaySeconds): an explicit delay always applies.`,
        phase: 'startup',
        delayMs: 0,
        defaultDelayMs: delayMs,
      });
    }
    for (const signal of this.options.signals) {
      const handler = () => this.onSignal(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** @internal The app was closed another way: let go of the process signals. */
  onApplicationShutdown(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
    this.tracker?.detach();
  }

  /**
   * Runs the whole shutdown once (later calls return the same promise): delay, drain, hooks,
   * then `exit` with 0, or 1 when the drain timed out. Resolves with the exit code.
   *
   * @param reason shown in the logs, such as the signal name.
   */
  shutdown(reason = 'manual'): Promise<number> {
    this.running ??= this.run(reason);
    return this.running;
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.current === 'running') {
      void this.shutdown(signal);
      return;
    }
    this.write({ level: 'warn', msg: 'second signal, exiting now', phase: 'forced', signal });
    this.tracker?.destroyAll();
    this.options.exit(1);
  }

  private async run(reason: string): Promise<number> {
    const { clock, delayApplies, delayMs, timeoutMs } = this.options;
    const started = clock.now();
    this.reason = reason;
    this.current = 'delaying';
    const delay = delayApplies ? delayMs : 0;
    this.write({
      level: 'info',
      msg: 'shutdown started, readiness is now 503',
      phase: 'signal',
      signal: reason,
      delayMs: delay,
      delaySkipped: !delayApplies && delayMs > 0,
    });

    let mark = clock.now();
    if (delay > 0) await this.sleep(delay);
    this.write({
      level: 'info',
      msg: 'shutdown delay over',
      phase: 'delay',
      durationMs: clock.now() - mark,
    });

    this.current = 'draining';
    mark = clock.now();
    const timedOut = await this.drain(timeoutMs);
    this.write({
      level: timedOut ? 'error' : 'info',
      msg: timedOut ? 'drain timed out, sockets destroyed' : 'drained',
      phase: 'drain',
      durationMs: clock.now() - mark,
      timedOut,
    });

    this.current = 'hooks';
    mark = clock.now();
    for (const hook of this.hooks) await this.runHook(hook);
    this.write({
      level: 'info',
      msg: 'hooks done',
      phase: 'hooks',
      durationMs: clock.now() - mark,
      count: this.hooks.length,
    });

    this.current = 'exiting';
    const code = timedOut ? 1 : 0;
    this.write({
      level: 'info',
      msg: 'exiting',
      phase: 'exit',
      code,
      durationMs: clock.now() - started,
    });
    this.options.exit(code);
    return code;
  }

  /** Resolves `true` when the timeout passed before the last socket closed. */
  private async drain(timeoutMs: number): Promise<boolean> {
    const tracker = this.tracker;
    if (!tracker) return false;
    let cancel: () => void = () => {};
    const timeout = new Promise<true>((resolve) => {
      cancel = this.options.clock.setTimeout(() => resolve(true), timeoutMs);
    });
    const timedOut = await Promise.race([tracker.drain().then(() => false as const), timeout]);
    cancel();
    if (timedOut) tracker.destroyAll();
    return timedOut;
  }

  private async runHook(hook: DiscoveredHook): Promise<void> {
    const { clock, hookTimeoutMs } = this.options;
    const mark = clock.now();
    let cancel: () => void = () => {};
    const timeout = new Promise<never>((_, reject) => {
      cancel = clock.setTimeout(
        () =>
          reject(new ShutdownError('SHUTDOWN_HOOK_TIMEOUT', `timed out after ${hookTimeoutMs} ms`)),
        hookTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.resolve().then(() => hook.handler.onShutdown()), timeout]);
      this.write({
        level: 'info',
        msg: 'hook done',
        phase: 'hook',
        hook: hook.name,
        durationMs: clock.now() - mark,
      });
    } catch (error) {
      // A failing hook is logged and skipped: nothing may keep the process from exiting.
      this.write({
        level: 'error',
        msg: 'hook failed',
        phase: 'hook',
        hook: hook.name,
        durationMs: clock.now() - mark,
        error: errorText(error),
      });
    } finally {
      cancel();
    }
  }

  private discoverHooks(): DiscoveredHook[] {
    const seen = new Set<object>();
    const hooks: DiscoveredHook[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isDependencyTreeStatic()) continue;
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      const metadata = Reflect.getMetadata(SHUTDOWN_HOOK, instance.constructor) as
        | ShutdownHookMetadata
        | undefined;
      if (!metadata) continue;
      seen.add(instance);
      if (typeof (instance as Partial<ShutdownHandler>).onShutdown !== 'function') {
        throw new BulwarkConfigError(
          `@ShutdownHook('${metadata.name}')`,
          `${instance.constructor.name} has no onShutdown() method. Implement ShutdownHandler.`,
        );
      }
      hooks.push({
        name: metadata.name,
        order: metadata.order,
        handler: instance as ShutdownHandler,
      });
    }
    // Array#sort is stable: equal orders keep discovery order.
    return hooks.sort((a, b) => a.order - b.order);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.options.clock.setTimeout(resolve, ms);
    });
  }

  private write(entry: ShutdownLogEntry): void {
    try {
      this.options.log(entry);
    } catch {
      // A broken logger must not stop the shutdown.
    }
  }
}
