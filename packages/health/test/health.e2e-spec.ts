import { ReadinessIndicator, type ReadinessResult } from '@bulwark/core/lifecycle';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HealthModule } from '../src/index.js';

const LEAKY_DETAIL = 'connect ECONNREFUSED redis://admin:hunter22@db.internal:6379';

@ReadinessIndicator('flag')
@Injectable()
class FlagIndicator {
  ready = true;
  readiness(): ReadinessResult {
    return this.ready ? { ready: true } : { ready: false, detail: LEAKY_DETAIL };
  }
}

@ReadinessIndicator('remote')
@Injectable()
class RemoteIndicator {
  calls = 0;
  hang = false;
  async readiness(): Promise<ReadinessResult> {
    this.calls += 1;
    if (this.hang) return new Promise<ReadinessResult>(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { ready: true };
  }
}

@Module({
  imports: [HealthModule.forRoot({ cacheTtlMs: 60_000, checkTimeoutMs: 100 })],
  providers: [FlagIndicator, RemoteIndicator],
})
class AppModule {}

async function probe(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe.each(ADAPTERS)('health probes on %s', (adapter) => {
  let running: RunningApp;
  let flag: FlagIndicator;
  beforeAll(async () => {
    running = await bootstrap(AppModule, { adapter });
    flag = running.app.get(FlagIndicator);
  });
  afterAll(() => running.close());
  beforeEach(() => {
    flag.ready = true;
  });

  it('answers liveness 200 with the process status only, never cached by clients', async () => {
    const live = await probe(`${running.url}/health/live`);
    expect(live.status).toBe(200);
    expect(JSON.parse(live.text)).toEqual({ status: 'ok' });
    expect(live.headers.get('cache-control')).toContain('no-store');
  });

  it('answers readiness 200 with every discovered indicator up', async () => {
    const ready = await probe(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({
      status: 'ok',
      details: { flag: { status: 'up' }, remote: { status: 'up' } },
    });
  });

  it('turns readiness 503 at once when a synchronous indicator flips, without leaking its detail', async () => {
    flag.ready = false;
    const ready = await probe(`${running.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({
      status: 'error',
      details: { flag: { status: 'down' }, remote: { status: 'up' } },
    });
    expect(ready.text).not.toContain('hunter22');
    expect(ready.text).not.toContain('db.internal');
    expect(ready.text).not.toContain('ECONNREFUSED');
  });

  it('keeps liveness 200 while readiness is 503', async () => {
    flag.ready = false;
    expect((await probe(`${running.url}/health/ready`)).status).toBe(503);
    expect((await probe(`${running.url}/health/live`)).status).toBe(200);
  });

  it('answers startup 200 once readiness has passed, and keeps it when a dependency fails later', async () => {
    expect((await probe(`${running.url}/health/startup`)).status).toBe(200);
    flag.ready = false;
    const startup = await probe(`${running.url}/health/startup`);
    expect(startup.status).toBe(200);
    expect(JSON.parse(startup.text)).toEqual({ status: 'ok' });
  });

  it('answers 404 for an unknown probe', async () => {
    expect((await probe(`${running.url}/health/nope`)).status).toBe(404);
  });
});

@Module({
  imports: [HealthModule.forRoot({ path: '/internal/probes/', cacheTtlMs: 0, checkTimeoutMs: 50 })],
  providers: [RemoteIndicator],
})
class HangingModule {}

describe.each(ADAPTERS)('a hanging check on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(HangingModule, { adapter });
  });
  afterAll(() => running.close());

  it('counts as down once its timeout passes, under the configured path', async () => {
    running.app.get(RemoteIndicator).hang = true;
    const ready = await probe(`${running.url}/internal/probes/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({
      status: 'error',
      details: { remote: { status: 'down' } },
    });
    expect(ready.text).not.toContain('timed out');
    expect((await probe(`${running.url}/internal/probes/live`)).status).toBe(200);
    expect((await probe(`${running.url}/health/live`)).status).toBe(404);
  });
});

@Module({
  imports: [HealthModule.forRoot({ cacheTtlMs: 60_000 })],
  providers: [RemoteIndicator],
})
class FloodModule {}

describe.each(ADAPTERS)('a probe flood on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await bootstrap(FloodModule, { adapter });
  });
  afterAll(() => running.close());

  it('costs one dependency call, shared by concurrent probes and reused from the cache', async () => {
    const remote = running.app.get(RemoteIndicator);
    const flood = () =>
      Promise.all(Array.from({ length: 30 }, () => probe(`${running.url}/health/ready`)));
    expect((await flood()).map((answer) => answer.status)).toEqual(Array(30).fill(200));
    expect((await flood()).map((answer) => answer.status)).toEqual(Array(30).fill(200));
    expect(remote.calls).toBe(1);
  });
});
