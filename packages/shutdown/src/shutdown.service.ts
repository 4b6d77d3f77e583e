import type { Server } from 'node:http';
import { BulwarkConfigError } from '@bulwark/core';
import {
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
  SHUTDOWN_HOOK,
  type ShutdownHandler,
  type ShutdownHookMetadata,
} from '@bulwark/core/lifecycle';
import {
  type INestApplicationContext,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import { ConnectionTracker } from './internal/connection-tracker.js';
import { ShutdownError } from './shutdown.error.js';
import { InjectShutdownOptions } from './shutdown.module-definition.js';
import type { ResolvedShutdownOptions, ShutdownLogEntry } from './shutdown-options.interface.js';

/**
 * Where the shutdown is: `running` → `delaying` (readiness 503, still serving) → `draining`
 * (not accepting, closing keep-alives, waiting for in-flight requests) → `closing` (Nest's
 * `app.close()`: `onModuleDestroy`, `beforeApplicationShutdown`, `onApplicationShutdown`) →
 * `hooks` → `exiting`.
 */
export type ShutdownState = 'running' | 'delaying' | 'draining' | 'closing' | 'hooks' | 'exiting';

/** The part of an HTTP adapter the shutdown wraps: Nest awaits it first in `app.close()`. */
interface ClosingAdapter {
  beforeClose?: () => unknown;
}

interface DiscoveredHook {
  name: string;
  order: number;
  handler: ShutdownHandler;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
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
  private current: ShutdownState = 'running';
  private reason: string | undefined;
  private tracker: ConnectionTracker | undefined;
  private hooks: DiscoveredHook[] = [];
  private running: Promise<number> | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private app: INestApplicationContext | undefined;
  private restoreAdapter: (() => void) | undefined;
  /** Resolved once the drain is over: a close Nest began early waits for it. */
  private readonly drainOver = deferred();
  /** Resolved when Nest calls this service's `onApplicationShutdown` during the shutdown. */
  private readonly nestClosed = deferred();
  /** Nest began closing the app itself during the delay or the drain (`enableShutdownHooks()`). */
  private earlyNestClose = false;
  /** The signal Nest re-sends to the process once its own close is over, ignored once. */
  private resentSignal: string | undefined;
  /** `exit` was called: nothing is left to guard. */
  private exited = false;

  constructor(
    @InjectShutdownOptions() private readonly options: ResolvedShutdownOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
  ) {}

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

  /**
   * Hands the Nest application to the shutdown. After the drain, the shutdown closes it with
   * `app.close(signal)`, so every `onModuleDestroy`, `beforeApplicationShutdown` and
   * `onApplicationShutdown` runs (where pools, ORM connections and consumers are closed), within
   * the timeout. `createService()` of `@bulwark/service` calls it; with `NestFactory.create()`,
   * call it once, before or after `listen()`.
   *
   * @example
   * ```ts
   * const app = await NestFactory.create(AppModule);
   * app.get(ShutdownService).attach(app);
   * await app.listen(3000);
   * ```
   * @throws BulwarkConfigError when `app` has no `close()` method.
   */
  attach(app: INestApplicationContext): this {
    if (typeof (app as Partial<INestApplicationContext> | undefined)?.close !== 'function') {
      throw new BulwarkConfigError(
        'ShutdownService.attach(app)',
        'must be given the Nest application (the value NestFactory.create() returns).',
      );
    }
    this.app = app;
    return this;
  }

  /** @internal Tracks the HTTP server's sockets, finds the hooks and installs the signals. */
  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter;
    const server = adapter?.getHttpServer() as Server | undefined;
    if (server && typeof server.prependListener === 'function') {
      this.tracker = new ConnectionTracker(server, this.options.clock, this.options.idleGraceMs);
    }
    if (adapter) this.holdEarlyNestClose(adapter as unknown as ClosingAdapter);
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

  /**
   * @internal Nest is closing the app. During the shutdown, the signals stay installed until
   * the exit (a second signal still exits at once); otherwise the app was closed another way,
   * so let go of the process signals.
   */
  onApplicationShutdown(): void {
    this.tracker?.detach();
    if (this.running && !this.exited) {
      if (this.earlyNestClose) this.resentSignal = this.reason;
      this.nestClosed.resolve();
      return;
    }
    this.release();
  }

  /**
   * Runs the whole shutdown once (later calls return the same promise): delay, drain, Nest's
   * `app.close()` (when {@link ShutdownService.attach attached}), the `@ShutdownHook()` hooks,
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
    if (signal === this.resentSignal) {
      // enableShutdownHooks() re-sends the signal to the process once Nest's close is over,
      // expecting the default action to end it; the shutdown still has its hooks to run.
      this.resentSignal = undefined;
      this.write({
        level: 'info',
        msg: 'signal re-sent by Nest after it closed the app, ignored',
        phase: 'close',
        signal,
      });
      return;
    }
    this.write({ level: 'warn', msg: 'second signal, exiting now', phase: 'forced', signal });
    this.tracker?.destroyAll();
    this.drainOver.resolve();
    this.finish(1);
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
    const drainMs = clock.now() - mark;
    this.write({
      level: timedOut ? 'error' : 'info',
      msg: timedOut ? 'drain timed out, sockets destroyed' : 'drained',
      phase: 'drain',
      durationMs: drainMs,
      timedOut,
    });

    this.current = 'closing';
    this.drainOver.resolve();
    // The close shares the timeout with the drain; after a drain that used it all, it still
    // gets one hook's time.
    await this.closeApp(reason, Math.max(timeoutMs - drainMs, this.options.hookTimeoutMs));

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
    this.finish(code);
    return code;
  }

  /** Calls `exit`; when it returns (an injected one), lets go of the process and the adapter. */
  private finish(code: number): void {
    this.exited = true;
    this.options.exit(code);
    this.release();
  }

  private release(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
    this.restoreAdapter?.();
    this.restoreAdapter = undefined;
  }

  /**
   * Runs Nest's `app.close(signal)`, bounded by `budgetMs`. A close Nest began on its own
   * (`enableShutdownHooks()`) was held until the drain ended; it is awaited, not started again.
   */
  private async closeApp(signal: string, budgetMs: number): Promise<void> {
    const { clock } = this.options;
    const mark = clock.now();
    const app = this.app;
    let closing: Promise<unknown>;
    if (app) {
      // NestApplicationContext#close(signal?) hands the signal to beforeApplicationShutdown and
      // onApplicationShutdown, as enableShutdownHooks() does; the interface declares no
      // parameter. Nest 12 joins a close already in flight instead of starting a second one.
      const close = app.close as (this: INestApplicationContext, signal?: string) => Promise<void>;
      const isSignal = (this.options.signals as string[]).includes(signal);
      closing = Promise.resolve().then(() => close.call(app, isSignal ? signal : undefined));
    } else if (this.earlyNestClose) {
      closing = this.nestClosed.promise;
    } else {
      this.write({
        level: 'warn',
        msg: 'the Nest application is not attached: onModuleDestroy, beforeApplicationShutdown and onApplicationShutdown do not run. Call app.get(ShutdownService).attach(app) after NestFactory.create().',
        phase: 'close',
        durationMs: 0,
        attached: false,
      });
      return;
    }
    let cancel: () => void = () => {};
    const timeout = new Promise<'timeout'>((resolve) => {
      cancel = clock.setTimeout(() => resolve('timeout'), budgetMs);
    });
    try {
      const outcome = await Promise.race([closing.then(() => 'closed' as const), timeout]);
      if (outcome === 'timeout') {
        this.write({
          level: 'error',
          msg: `Nest application close abandoned after ${budgetMs} ms: a lifecycle hook (onModuleDestroy, beforeApplicationShutdown or onApplicationShutdown) was still running`,
          phase: 'close',
          durationMs: clock.now() - mark,
          timedOut: true,
        });
      } else {
        this.write({
          level: 'info',
          msg: 'Nest application closed',
          phase: 'close',
          durationMs: clock.now() - mark,
          timedOut: false,
        });
      }
    } catch (error) {
      // A throwing lifecycle hook is logged; the Bulwark hooks and the exit still follow.
      this.write({
        level: 'error',
        msg: 'Nest application close failed',
        phase: 'close',
        durationMs: clock.now() - mark,
        error: errorText(error),
      });
    } finally {
      cancel();
    }
  }

  /**
   * Nest's `app.close()` first awaits the adapter's `beforeClose()`. A close that begins during
   * the delay or the drain is Nest's own signal handler (`enableShutdownHooks()`) reacting to
   * the same signal: left alone, it would stop the listener and run the teardown hooks under
   * live traffic, then end the process. It is held there until the drain is over, so the app
   * shuts down once, in order.
   */
  private holdEarlyNestClose(adapter: ClosingAdapter): void {
    const own = Object.hasOwn(adapter, 'beforeClose');
    const original = adapter.beforeClose;
    adapter.beforeClose = () => {
      if (this.current !== 'delaying' && this.current !== 'draining') {
        return original?.call(adapter);
      }
      if (!this.earlyNestClose) {
        this.earlyNestClose = true;
        this.write({
          level: 'warn',
          msg: 'Nest began closing the app during the shutdown delay or drain (app.enableShutdownHooks() for the same signal): its close waits until the drain is over, so the app shuts down once. ShutdownModule closes the app itself; remove enableShutdownHooks().',
          phase: 'close',
          state: this.current,
        });
      }
      return this.drainOver.promise.then(() => original?.call(adapter));
    };
    this.restoreAdapter = () => {
      if (own) adapter.beforeClose = original;
      else delete adapter.beforeClose;
    };
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
