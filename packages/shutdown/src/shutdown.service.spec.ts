import { Agent, request } from 'node:http';
import { BulwarkConfigError } from '@bulwark/core';
import { type ShutdownHandler, ShutdownHook } from '@bulwark/core/lifecycle';
import { HealthModule } from '@bulwark/health';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import {
  type BeforeApplicationShutdown,
  Controller,
  Get,
  type INestApplicationContext,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShutdownModule } from './shutdown.module.js';
import { ShutdownService } from './shutdown.service.js';
import type {
  ShutdownClock,
  ShutdownLogEntry,
  ShutdownModuleOptions,
} from './shutdown-options.interface.js';

/** A clock that moves only when told to. */
class ManualClock implements ShutdownClock {
  time = 0;
  private timers: { at: number; callback: () => void }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }
  get pending(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((timer) => timer.at <= this.time).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((timer) => !due.includes(timer));
    for (const timer of due) timer.callback();
  }
}

/** Lets I/O and promise callbacks run until `condition` holds; bounded to 400 turns. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 400 && !condition(); turn++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(condition()).toBe(true);
}

function get(url: string, agent: Agent | false) {
  return new Promise<{ status?: number; connection?: string; error?: string }>((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    });
    req.on('error', (error) => resolve({ error: error.message }));
    req.end();
  });
}

const calls: string[] = [];
let release: (() => void) | undefined;
let destroyHangs = false;
let unhang: (() => void) | undefined;

@Controller()
class SlowController {
  @Get('fast')
  fast() {
    return { ok: true };
  }

  @Get('slow')
  slow() {
    return new Promise((resolve) => {
      release = () => resolve({ ok: true });
    });
  }
}

@ShutdownHook('second', { order: 2 })
@Injectable()
class SecondHook implements ShutdownHandler {
  onShutdown() {
    calls.push('second');
  }
}

@ShutdownHook('throws', { order: 1 })
@Injectable()
class ThrowingHook implements ShutdownHandler {
  onShutdown() {
    calls.push('throws');
    throw new Error('flush failed');
  }
}

@ShutdownHook('hangs', { order: 1 })
@Injectable()
class HangingHook implements ShutdownHandler {
  onShutdown() {
    calls.push('hangs');
    return new Promise<void>(() => {});
  }
}

/** Nest's own lifecycle hooks, where teams close pools and consumers; records the state. */
@Injectable()
class NestLifecycle implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(private readonly shutdown: ShutdownService) {}
  onModuleDestroy() {
    calls.push(`onModuleDestroy while ${this.shutdown.state}`);
    if (destroyHangs) {
      return new Promise<void>((resolve) => {
        unhang = resolve;
      });
    }
    return undefined;
  }
  beforeApplicationShutdown(signal?: string) {
    calls.push(`beforeApplicationShutdown ${signal}`);
  }
  onApplicationShutdown(signal?: string) {
    calls.push(`onApplicationShutdown ${signal}`);
  }
}

const NEST_HOOKS = [
  'onModuleDestroy while closing',
  'beforeApplicationShutdown SIGUSR2',
  'onApplicationShutdown SIGUSR2',
];

function appModule(options: ShutdownModuleOptions) {
  @Module({
    imports: [HealthModule.forRoot(), ShutdownModule.forRoot(options)],
    controllers: [SlowController],
    providers: [SecondHook, ThrowingHook, HangingHook, NestLifecycle],
  })
  class AppModule {}
  return AppModule;
}

describe.each(ADAPTERS)('ShutdownService on %s', (adapter) => {
  let running: RunningApp;
  let clock: ManualClock;
  let exits: number[];
  let logs: ShutdownLogEntry[];
  let agent: Agent;

  /** The hanging hook holds the hooks phase until its 2 s timeout: move the clock past it. */
  const passHooks = async (shutdown: ShutdownService) => {
    await until(() => shutdown.state === 'hooks' || shutdown.state === 'exiting');
    clock.advance(2000);
    await until(() => exits.length > 0);
  };

  const start = async (options: ShutdownModuleOptions = {}, attach = false) => {
    running = await bootstrap(
      appModule({
        delaySeconds: 5,
        timeoutSeconds: 20,
        idleGraceSeconds: 1,
        hookTimeoutSeconds: 2,
        signals: ['SIGUSR2'],
        env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' },
        clock,
        exit: (code) => exits.push(code),
        log: (entry) => logs.push(entry),
        ...options,
      }),
      {
        adapter,
        configure: (app) => {
          if (attach) app.get(ShutdownService).attach(app);
        },
      },
    );
    return running.app.get(ShutdownService);
  };

  beforeEach(() => {
    calls.length = 0;
    release = undefined;
    destroyHangs = false;
    clock = new ManualClock();
    exits = [];
    logs = [];
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  });
  afterEach(async () => {
    release?.();
    destroyHangs = false;
    // The abandoned close is still in flight (a real process has exited by now): let it end.
    unhang?.();
    unhang = undefined;
    agent.destroy();
    // A close that begins during the delay or the drain waits for the drain: let it end.
    const shutdown = running.app.get(ShutdownService);
    for (let turn = 0; turn < 100 && exits.length === 0; turn++) {
      if (shutdown.state !== 'delaying' && shutdown.state !== 'draining') break;
      clock.advance(60_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await running.close();
  });

  it('when signalled: readiness 503 at once, serves normally through the delay, then drains with Connection: close and exits 0', async () => {
    const shutdown = await start();
    expect((await get(`${running.url}/fast`, agent)).status).toBe(200);

    process.emit('SIGUSR2', 'SIGUSR2');
    expect(shutdown.state).toBe('delaying');
    expect((await get(`${running.url}/health/ready`, false)).status).toBe(503);
    expect((await get(`${running.url}/health/live`, false)).status).toBe(200);
    // During the delay the kept-alive socket is reused as usual.
    expect(await get(`${running.url}/fast`, agent)).toEqual({
      status: 200,
      connection: 'keep-alive',
    });

    const slow = get(`${running.url}/slow`, agent);
    await until(() => release !== undefined);
    clock.advance(5000);
    await until(() => shutdown.state === 'draining');
    release?.();
    expect(await slow).toEqual({ status: 200, connection: 'close' });
    await passHooks(shutdown);
    expect(exits).toEqual([0]);
    expect(logs.map((entry) => entry.phase)).toEqual([
      'signal',
      'delay',
      'drain',
      'close',
      'hook',
      'hook',
      'hook',
      'hooks',
      'exit',
    ]);
    expect(logs.find((entry) => entry.phase === 'delay')).toMatchObject({ durationMs: 5000 });
    // Not attached: Nest's hooks did not run, and the log says how to fix it.
    expect(calls).toEqual(['throws', 'hangs', 'second']);
    expect(logs.find((entry) => entry.phase === 'close')).toMatchObject({
      level: 'warn',
      attached: false,
      msg: 'the Nest application is not attached: onModuleDestroy, beforeApplicationShutdown and onApplicationShutdown do not run. Call app.get(ShutdownService).attach(app) after NestFactory.create().',
    });
  });

  it('when attached: closes the Nest app after the drain, so onModuleDestroy, beforeApplicationShutdown and onApplicationShutdown run with the signal, before the Bulwark hooks', async () => {
    const shutdown = await start({}, true);
    process.emit('SIGUSR2', 'SIGUSR2');
    const slow = get(`${running.url}/slow`, agent);
    await until(() => release !== undefined);
    clock.advance(5000);
    await until(() => shutdown.state === 'draining');
    // A request is still in flight: nothing is torn down under it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual([]);
    release?.();
    expect(await slow).toEqual({ status: 200, connection: 'close' });
    await passHooks(shutdown);
    expect(exits).toEqual([0]);
    expect(calls).toEqual([...NEST_HOOKS, 'throws', 'hangs', 'second']);
    expect(logs.find((entry) => entry.phase === 'close')).toMatchObject({
      level: 'info',
      msg: 'Nest application closed',
      timedOut: false,
    });
  });

  it('abandons a Nest lifecycle hook still running when the shutdown timeout ends, logs it, and still runs the Bulwark hooks and exits 0', async () => {
    destroyHangs = true;
    const shutdown = await start({ delaySeconds: 0 }, true);
    void shutdown.shutdown('SIGUSR2');
    await until(() => shutdown.state === 'closing' && calls.length > 0);
    clock.advance(19_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shutdown.state).toBe('closing');
    clock.advance(1);
    await passHooks(shutdown);
    expect(exits).toEqual([0]);
    expect(calls).toEqual(['onModuleDestroy while closing', 'throws', 'hangs', 'second']);
    expect(logs.find((entry) => entry.phase === 'close')).toEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'Nest application close abandoned after 20000 ms: a lifecycle hook (onModuleDestroy, beforeApplicationShutdown or onApplicationShutdown) was still running',
        durationMs: 20_000,
        timedOut: true,
      }),
    );
  });

  it('gives the Nest close what the drain left of the timeout, and at least one hook timeout', async () => {
    destroyHangs = true;
    const shutdown = await start({ delaySeconds: 0, timeoutSeconds: 1 }, true);
    const slow = get(`${running.url}/slow`, false);
    await until(() => release !== undefined);
    void shutdown.shutdown('SIGUSR2');
    await until(() => shutdown.state === 'draining');
    clock.advance(1000);
    expect((await slow).error).toBeDefined();
    await until(() => shutdown.state === 'closing' && calls.length > 0);
    clock.advance(2000);
    await passHooks(shutdown);
    expect(exits).toEqual([1]);
    expect(logs.find((entry) => entry.phase === 'close')).toMatchObject({
      timedOut: true,
      durationMs: 2000,
    });
  });

  for (const attached of [true, false]) {
    it(`holds a close Nest begins during the delay (enableShutdownHooks) until the drain is over, and closes the app once (${attached ? 'attached' : 'not attached'})`, async () => {
      const shutdown = await start({}, attached);
      process.emit('SIGUSR2', 'SIGUSR2');
      // What Nest's own signal handler does on the same signal.
      const nestClose = running.app.close();
      await until(() => logs.some((entry) => entry.phase === 'close'));
      expect(logs.find((entry) => entry.phase === 'close')).toMatchObject({
        level: 'warn',
        state: 'delaying',
        msg: 'Nest began closing the app during the shutdown delay or drain (app.enableShutdownHooks() for the same signal): its close waits until the drain is over, so the app shuts down once. ShutdownModule closes the app itself; remove enableShutdownHooks().',
      });
      // Still serving through the delay, with no hook run.
      expect(await get(`${running.url}/fast`, agent)).toEqual({
        status: 200,
        connection: 'keep-alive',
      });
      expect(calls).toEqual([]);
      clock.advance(5000);
      await until(() => shutdown.state === 'draining');
      clock.advance(1000);
      await passHooks(shutdown);
      await nestClose;
      expect(exits).toEqual([0]);
      expect(calls.filter((call) => call.startsWith('on') || call.startsWith('before'))).toEqual([
        'onModuleDestroy while closing',
        'beforeApplicationShutdown undefined',
        'onApplicationShutdown undefined',
      ]);
      expect(logs.filter((entry) => entry.phase === 'close').at(-1)).toMatchObject({
        msg: 'Nest application closed',
      });
    });
  }

  it('refuses to attach something that is not a Nest application', async () => {
    const shutdown = await start();
    expect(() => shutdown.attach({} as INestApplicationContext)).toThrow(BulwarkConfigError);
    expect(() => shutdown.attach({} as INestApplicationContext)).toThrow(
      'ShutdownService.attach(app): must be given the Nest application (the value NestFactory.create() returns).',
    );
  });

  it('closes an idle keep-alive socket only after the idle grace, and serves a request that arrives within it', async () => {
    const shutdown = await start({ delaySeconds: 0 });
    expect((await get(`${running.url}/fast`, agent)).status).toBe(200);
    void shutdown.shutdown('test');
    await until(() => shutdown.state === 'draining');
    // The pooled socket is idle, but not reset: a request on it is still answered.
    expect(await get(`${running.url}/fast`, agent)).toEqual({ status: 200, connection: 'close' });
    await passHooks(shutdown);
    expect(exits).toEqual([0]);
  });

  it('closes a socket that stays idle once the grace passes', async () => {
    const shutdown = await start({ delaySeconds: 0 });
    expect((await get(`${running.url}/fast`, agent)).status).toBe(200);
    void shutdown.shutdown('test');
    await until(() => shutdown.state === 'draining');
    expect(exits).toEqual([]);
    clock.advance(1000);
    await passHooks(shutdown);
    expect(exits).toEqual([0]);
    expect(logs.find((entry) => entry.phase === 'drain')).toMatchObject({
      timedOut: false,
      durationMs: 1000,
    });
  });

  it('destroys a request that outlives the timeout and exits 1, after running the hooks', async () => {
    const shutdown = await start({ delaySeconds: 0 });
    const slow = get(`${running.url}/slow`, false);
    await until(() => release !== undefined);
    void shutdown.shutdown('test');
    await until(() => shutdown.state === 'draining');
    clock.advance(20_000);
    expect((await slow).error).toBeDefined();
    await until(() => shutdown.state === 'hooks');
    clock.advance(2000);
    await until(() => exits.length > 0);
    expect(exits).toEqual([1]);
    expect(logs.find((entry) => entry.phase === 'drain')).toMatchObject({ timedOut: true });
  });

  it('runs hooks by order; a throwing hook and a hanging one never block the exit', async () => {
    const shutdown = await start({ delaySeconds: 0 });
    const done = shutdown.shutdown('test');
    await until(() => calls.includes('hangs'));
    clock.advance(2000);
    expect(await done).toBe(0);
    expect(calls).toEqual(['throws', 'hangs', 'second']);
    const hooks = logs.filter((entry) => entry.phase === 'hook');
    expect(hooks).toEqual([
      expect.objectContaining({ hook: 'throws', level: 'error', error: 'flush failed' }),
      expect.objectContaining({ hook: 'hangs', level: 'error', error: 'timed out after 2000 ms' }),
      expect.objectContaining({ hook: 'second', level: 'info' }),
    ]);
  });

  it('exits 1 at once on a second signal', async () => {
    const shutdown = await start();
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exits).toEqual([1]);
    expect(shutdown.state).toBe('delaying');
    expect(logs.map((entry) => entry.phase)).toEqual(['signal', 'forced']);
  });

  it('skips only the built-in default delay outside Kubernetes, and says so once at start-up', async () => {
    const shutdown = await start({ env: {}, delaySeconds: undefined });
    expect(logs).toEqual([
      expect.objectContaining({ phase: 'startup', delayMs: 0, defaultDelayMs: 5000 }),
    ]);
    expect(logs[0]?.msg).toBe(
      'KUBERNETES_SERVICE_HOST is unset: the default shutdown delay of 5000 ms is skipped, so a signal starts the drain at once. Behind another load balancer, set SHUTDOWN_DELAY_SECONDS (option delaySeconds): an explicit delay always applies.',
    );
    void shutdown.shutdown('test');
    await until(() => shutdown.state !== 'delaying');
    expect(logs[1]).toMatchObject({ phase: 'signal', delayMs: 0, delaySkipped: true });
    expect(logs.filter((entry) => entry.phase === 'startup')).toHaveLength(1);
  });

  it('applies an explicit delaySeconds outside Kubernetes, with no start-up notice', async () => {
    const shutdown = await start({ env: {}, delaySeconds: 5 });
    expect(logs).toEqual([]);
    void shutdown.shutdown('test');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shutdown.state).toBe('delaying');
    expect(logs[0]).toMatchObject({ phase: 'signal', delayMs: 5000, delaySkipped: false });
    clock.advance(5000);
    await until(() => shutdown.state !== 'delaying');
  });

  it('applies SHUTDOWN_DELAY_SECONDS outside Kubernetes', async () => {
    const shutdown = await start({ env: { SHUTDOWN_DELAY_SECONDS: '3' }, delaySeconds: undefined });
    void shutdown.shutdown('test');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shutdown.state).toBe('delaying');
    expect(logs[0]).toMatchObject({ phase: 'signal', delayMs: 3000, delaySkipped: false });
    clock.advance(2999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shutdown.state).toBe('delaying');
    clock.advance(1);
    await until(() => shutdown.state !== 'delaying');
  });

  it('applies the default delay outside Kubernetes when forced', async () => {
    const shutdown = await start({
      env: {},
      delaySeconds: undefined,
      delayOutsideKubernetes: true,
    });
    void shutdown.shutdown('test');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shutdown.state).toBe('delaying');
    expect(logs[0]).toMatchObject({ phase: 'signal', delayMs: 5000, delaySkipped: false });
  });

  it('lets go of the signals when the app is closed', async () => {
    const before = process.listenerCount('SIGUSR2');
    await start();
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    await running.close();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    running = { ...running, close: async () => {} };
  });
});
