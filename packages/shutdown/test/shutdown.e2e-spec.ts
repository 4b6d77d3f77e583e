import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS } from '@bulwark/test-harness';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { phase, type SpawnedApp, spawnApp } from './spawn-app.js';

interface Outcome {
  sentAt: number;
  status?: number;
  connectionClose?: boolean;
  error?: string;
}

/** One HTTP request on `agent`; never rejects. */
function send(
  url: string,
  agent: Agent | false,
  options: { method?: string; body?: string } = {},
): Promise<Outcome & { body?: string }> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = request(url, { agent, method: options.method ?? 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({
          sentAt,
          status: res.statusCode,
          connectionClose: res.headers.connection === 'close',
          body,
        }),
      );
      res.on('error', (error) => resolve({ sentAt, error: error.message }));
    });
    req.on('error', (error) => resolve({ sentAt, error: error.message }));
    req.end(options.body);
  });
}

const KUBERNETES = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };

/**
 * Keep-alive load from `clients` clients (at most 5000 requests each) until the app exits, or
 * until `until` resolves (a load balancer that has stopped routing to the instance).
 */
async function keepAliveLoad(running: SpawnedApp, clients = 16, until?: Promise<unknown>) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const outcomes: Outcome[] = [];
  let stop = false;
  for (const end of [running.exited, until]) {
    void end?.then(() => {
      stop = true;
    });
  }
  const client = async () => {
    for (let i = 0; i < 5000 && !stop; i++) {
      const outcome = await send(`${running.url}/work?ms=5`, agent);
      outcomes.push(outcome);
      if (outcome.error) return;
    }
  };
  const all = Promise.all(Array.from({ length: clients }, client)).then(() => agent.destroy());
  while (outcomes.length < 64) await new Promise((resolve) => setTimeout(resolve, 10));
  return { outcomes, done: () => all };
}

const scratch = mkdtempSync(join(tmpdir(), 'bulwark-shutdown-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nestHook = (name: string) => (line: Record<string, unknown>) => line.nestHook === name;

describe.each(ADAPTERS)('SIGTERM on a spawned %s app', (adapter) => {
  let app: SpawnedApp | undefined;
  afterEach(async () => {
    if (app && app.child.exitCode === null) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    app = undefined;
  });

  it('under keep-alive load from 16 clients: readiness 503 at once, no request sent before the delay ends fails, exit 0', async () => {
    app = await spawnApp(adapter, {
      ...KUBERNETES,
      SHUTDOWN_DELAY_SECONDS: '1',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    });
    const running = app;
    const { outcomes, done } = await keepAliveLoad(running);

    expect((await send(`${running.url}/health/ready`, false)).status).toBe(200);
    running.child.kill('SIGTERM');
    await running.waitForLine(phase('signal'));
    // The handler has run: the very next probe sees 503, and liveness stays 200.
    const ready = await send(`${running.url}/health/ready`, false);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body ?? '')).toMatchObject({
      status: 'error',
      details: { shutdown: { status: 'down' } },
    });
    expect((await send(`${running.url}/health/live`, false)).status).toBe(200);

    expect(await running.exited).toBe(0);
    await done();

    const delayEnd = (await running.waitForLine(phase('delay'))).time as number;
    const beforeDelayEnd = outcomes.filter((outcome) => outcome.sentAt < delayEnd);
    expect(beforeDelayEnd.length).toBeGreaterThan(64);
    expect(beforeDelayEnd.filter((outcome) => outcome.status !== 200)).toEqual([]);
    // While draining, kept-alive sockets were told to close rather than reset.
    expect(outcomes.some((outcome) => outcome.status === 200 && outcome.connectionClose)).toBe(
      true,
    );
    expect(await running.waitForLine(phase('drain'))).toMatchObject({ timedOut: false });
    expect(await running.waitForLine(phase('exit'))).toMatchObject({ code: 0 });
  });

  it('applies an explicit SHUTDOWN_DELAY_SECONDS without KUBERNETES_SERVICE_HOST: no request fails until the delay ends, exit 0', async () => {
    app = await spawnApp(adapter, {
      SHUTDOWN_DELAY_SECONDS: '1.5',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    });
    const running = app;
    const { outcomes, done } = await keepAliveLoad(running);
    running.child.kill('SIGTERM');

    expect(await running.exited).toBe(0);
    await done();
    const signal = await running.waitForLine(phase('signal'));
    expect(signal).toMatchObject({ delayMs: 1500, delaySkipped: false });
    const delayEnd = (await running.waitForLine(phase('delay'))).time as number;
    // Served through the delay, not refused: the listener stayed open until it ended.
    const duringDelay = outcomes.filter(
      (outcome) => outcome.sentAt > (signal.time as number) && outcome.sentAt < delayEnd,
    );
    expect(duringDelay.length).toBeGreaterThan(0);
    const beforeDelayEnd = outcomes.filter((outcome) => outcome.sentAt < delayEnd);
    expect(beforeDelayEnd.filter((outcome) => outcome.status !== 200)).toEqual([]);
    // The delay was explicit: nothing says it was skipped.
    expect(running.lines.filter(phase('startup'))).toEqual([]);
  });

  /**
   * SIGTERM under keep-alive load. The load stops during the delay, as the load balancer would,
   * and one slow request is still in flight when the drain starts. Every request must succeed,
   * Nest's hooks must run once, after the drain, and the process must exit 0.
   */
  async function closesTheAppUnderLoad(env: Record<string, string>) {
    const marker = join(scratch, `${adapter}-${Math.random().toString(36).slice(2)}.log`);
    app = await spawnApp(adapter, {
      ...KUBERNETES,
      SHUTDOWN_DELAY_SECONDS: '2',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      MARKER_FILE: marker,
      ...env,
    });
    const running = app;
    const signalled = running.waitForLine(phase('signal'));
    const routedAway = signalled.then(async () => {
      const seen = outcomes.length;
      while (outcomes.length < seen + 32) await new Promise((resolve) => setTimeout(resolve, 5));
    });
    const { outcomes, done } = await keepAliveLoad(running, 16, routedAway);
    running.child.kill('SIGTERM');
    await signalled;
    const slow = send(`${running.url}/work?ms=2500`, false);

    expect(await running.exited).toBe(0);
    await done();
    expect(await slow).toMatchObject({ status: 200, connectionClose: true });
    expect(outcomes.length).toBeGreaterThanOrEqual(96);
    expect(outcomes.filter((outcome) => outcome.status !== 200)).toEqual([]);
    // Each Nest hook ran once, after the drain, and before the process exited.
    const order = (predicate: (line: Record<string, unknown>) => boolean) =>
      running.lines.findIndex(predicate);
    for (const name of ['onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']) {
      expect(running.lines.filter(nestHook(name))).toHaveLength(1);
      expect(order(nestHook(name))).toBeGreaterThan(order(phase('drain')));
    }
    expect(running.lines.find(nestHook('onApplicationShutdown'))).toMatchObject({
      signal: 'SIGTERM',
    });
    expect(await running.waitForLine(phase('drain'))).toMatchObject({ timedOut: false });
    expect(
      running.lines.filter(
        (line) => phase('close')(line) && line.msg === 'Nest application closed',
      ),
    ).toHaveLength(1);
    expect(await running.waitForLine(phase('exit'))).toMatchObject({ code: 0 });
    expect(existsSync(marker)).toBe(true);
    expect(readFileSync(marker, 'utf8')).toBe(
      `${JSON.stringify({ closed: true, signal: 'SIGTERM' })}\n`,
    );
    return running;
  }

  it('closes the Nest app after the drain under keep-alive load: onApplicationShutdown writes its marker, no request fails, exit 0', async () => {
    const running = await closesTheAppUnderLoad({});
    expect(running.lines.filter(phase('close'))).toHaveLength(1);
  });

  for (const attach of ['1', '0']) {
    it(`gives an app that also calls enableShutdownHooks() one orderly shutdown (${attach === '1' ? 'attached' : 'not attached'}): held until the drain, marker written once, no request fails, exit 0`, async () => {
      const running = await closesTheAppUnderLoad({
        ENABLE_SHUTDOWN_HOOKS: '1',
        ATTACH: attach,
        FLUSH_HOOK_MS: '1000',
      });
      expect(running.lines.find(phase('close'))).toMatchObject({
        level: 'warn',
        msg: expect.stringContaining('app.enableShutdownHooks()'),
      });
      // Nest re-sent SIGTERM once its close was over; that is not an operator's second signal.
      expect(running.lines.find(phase('forced'))).toBeUndefined();
      expect(
        running.lines.filter((line) => phase('close')(line) && line.signal === 'SIGTERM'),
      ).toEqual([
        expect.objectContaining({ msg: 'signal re-sent by Nest after it closed the app, ignored' }),
      ]);
      expect(running.lines.find((line) => line.hookRan === 'flush')).toBeDefined();
    });
  }

  it('completes a request whose body is still arriving at SIGTERM with its normal status', async () => {
    app = await spawnApp(adapter, {
      ...KUBERNETES,
      SHUTDOWN_DELAY_SECONDS: '0.2',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
    });
    const running = app;
    const body = JSON.stringify({ data: 'x'.repeat(4000) });
    const answer = new Promise<{ status?: number; text: string; connection?: string }>(
      (resolve, reject) => {
        const req = request(
          `${running.url}/upload`,
          {
            method: 'POST',
            agent: false,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode, text, connection: res.headers.connection }),
            );
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 1000));
        // The rest arrives only once the drain has begun.
        void running.waitForLine(phase('delay')).then(() => req.end(body.slice(1000)));
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    running.child.kill('SIGTERM');

    const response = await answer;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ received: 4000 });
    expect(response.connection).toBe('close');
    expect(await running.exited).toBe(0);
  });

  it('does not let a request that never completes hold the process past the timeout: exit 1, hooks still run', async () => {
    app = await spawnApp(adapter, { SHUTDOWN_TIMEOUT_SECONDS: '0.5' });
    const running = app;
    const hanging = send(`${running.url}/hang`, false);
    await running.waitForLine((line) => line.entered === 'hang');
    running.child.kill('SIGTERM');

    expect(await running.exited).toBe(1);
    expect((await hanging).error).toBeDefined();
    // Outside Kubernetes the built-in default delay is skipped, and start-up said so once.
    expect(await running.waitForLine(phase('signal'))).toMatchObject({
      delayMs: 0,
      delaySkipped: true,
    });
    expect(running.lines.filter(phase('startup'))).toEqual([
      expect.objectContaining({ level: 'info', delayMs: 0, defaultDelayMs: 5000 }),
    ]);
    expect(await running.waitForLine(phase('drain'))).toMatchObject({ timedOut: true });
    expect(await running.waitForLine((line) => line.hookRan === 'flush')).toBeDefined();
    expect(await running.waitForLine(phase('exit'))).toMatchObject({ code: 1 });
  });

  it('exits at once on a second SIGTERM, without waiting for the delay', async () => {
    app = await spawnApp(adapter, { ...KUBERNETES, SHUTDOWN_DELAY_SECONDS: '60' });
    const running = app;
    running.child.kill('SIGTERM');
    await running.waitForLine(phase('signal'));
    running.child.kill('SIGTERM');

    expect(await running.exited).toBe(1);
    expect(running.lines.find(phase('forced'))).toMatchObject({ signal: 'SIGTERM' });
    expect(running.lines.find(phase('delay'))).toBeUndefined();
  });

  it('logs every phase with its duration and runs the hooks in order, a throwing one included', async () => {
    app = await spawnApp(adapter, {});
    app.child.kill('SIGINT');
    expect(await app.exited).toBe(0);
    const phases = app.lines.filter((line) => line.context === 'Shutdown');
    expect(phases.map((line) => [line.phase, line.hook])).toEqual([
      ['startup', undefined],
      ['signal', undefined],
      ['delay', undefined],
      ['drain', undefined],
      ['close', undefined],
      ['hook', 'broken'],
      ['hook', 'flush'],
      ['hooks', undefined],
      ['exit', undefined],
    ]);
    for (const line of phases.slice(2)) expect(line.durationMs).toEqual(expect.any(Number));
    expect(app.lines.find(nestHook('onApplicationShutdown'))).toMatchObject({ signal: 'SIGINT' });
    expect(phases[4]).toMatchObject({ msg: 'Nest application closed', timedOut: false });
    expect(phases[5]).toMatchObject({ level: 'error', error: 'boom' });
  });
});
