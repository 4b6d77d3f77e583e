import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthModule } from '@bulwark/health';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessagingModule } from '../src/messaging.module.js';
import {
  broker,
  eventually,
  type KeyFiles,
  makeKeys,
  rabbitmqctl,
  tlsOptions,
} from './support/fixture.js';

async function ready(
  url: string,
): Promise<{ status: number; body: { details?: Record<string, { status: string }> } }> {
  const response = await fetch(`${url}/health/ready`);
  return { status: response.status, body: (await response.json()) as never };
}

describe.skipIf(!broker.available).each(ADAPTERS)('readiness over HTTP on %s', (adapter) => {
  let dir: string;
  let keys: KeyFiles;
  let running: RunningApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-readiness-'));
    keys = await makeKeys(dir, 'orders');
    @Module({
      imports: [
        HealthModule.forRoot({ cacheTtlMs: 0 }),
        MessagingModule.forRoot({
          ...tlsOptions('orders'),
          signingKeyFile: keys.privateFile,
          reconnectMinDelayMs: 50,
          reconnectMaxDelayMs: 500,
          log: () => {},
        }),
      ],
    })
    class AppModule {}
    running = await bootstrap(AppModule, { adapter });
  });

  afterAll(async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is 503 while the broker is down and 200 again once reconnected', async () => {
    await eventually(async () => (await ready(running.url)).status === 200, 'readiness');
    expect((await ready(running.url)).body.details?.messaging).toEqual({ status: 'up' });
    await rabbitmqctl(['stop_app']);
    try {
      await eventually(async () => (await ready(running.url)).status === 503, 'readiness 503');
      const down = await ready(running.url);
      expect(down.body.details?.messaging).toEqual({ status: 'down' });
      // The reason stays in the server log; the probe body names no host and no error.
      expect(JSON.stringify(down.body)).not.toContain('127.0.0.1');
    } finally {
      await rabbitmqctl(['start_app']);
    }
    await eventually(
      async () => (await ready(running.url)).status === 200,
      'readiness back',
      60_000,
    );
  }, 180_000);
});
