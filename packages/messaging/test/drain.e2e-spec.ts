import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingService } from '../src/messaging.service.js';
import {
  broker,
  brokerUrl,
  eventually,
  type KeyFiles,
  makeKeys,
  queueDepth,
  startApp,
  tlsOptions,
} from './support/fixture.js';

const ORDERS = broker.identities?.orders.spiffeId ?? '';
const QUEUE = 'billing.drain';
const FIXTURE = fileURLToPath(new URL('./fixtures/drain-app.mjs', import.meta.url));
const TOTAL = 240;

function handledLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe.skipIf(!broker.available)('SIGTERM drain under load', () => {
  let dir: string;
  let keys: KeyFiles;
  let producer: { messaging: MessagingService; moduleRef: { close(): Promise<void> } };
  const children: ChildProcess[] = [];

  function startConsumer(outFile: string): {
    child: ChildProcess;
    output: () => string;
    exited: Promise<number | null>;
  } {
    const billing = broker.identities.billing;
    const child = spawn(process.execPath, [FIXTURE], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        AMQP_URL: brokerUrl(),
        TLS_CA_FILE: broker.caFile,
        TLS_CERT_FILE: billing.certFile,
        TLS_KEY_FILE: billing.keyFile,
        MESSAGING_PRODUCERS: `${ORDERS}=${keys.jwksFile}`,
        MESSAGING_PREFETCH: '16',
        OUT_FILE: outFile,
        HANDLER_MS: '25',
        PRODUCER: ORDERS,
        QUEUE,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    return { child, output: () => output, exited };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-drain-'));
    keys = await makeKeys(dir, 'orders');
    producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    await producer.messaging.whenConnected();
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await producer.moduleRef.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no message and handles none twice when SIGTERM arrives while messages flow', async () => {
    const outFile = join(dir, 'handled.txt');
    const first = startConsumer(outFile);
    await eventually(() => first.output().includes('fixture ready'), 'the first consumer', 60_000);
    const published: Promise<unknown>[] = [];
    for (let n = 0; n < TOTAL / 2; n += 1) {
      published.push(producer.messaging.publish('orders.events', 'load.tick', { n }));
    }
    await Promise.all(published);
    await eventually(() => handledLines(outFile).length >= 20, 'the first handled messages');
    // More arrive while the service shuts down.
    const during: Promise<unknown>[] = [];
    for (let n = TOTAL / 2; n < TOTAL; n += 1) {
      during.push(producer.messaging.publish('orders.events', 'load.tick', { n }));
    }
    first.child.kill('SIGTERM');
    await Promise.all(during);
    expect(await first.exited).toBe(0);
    const handledBySigtermed = handledLines(outFile).length;
    expect(handledBySigtermed).toBeLessThan(TOTAL);
    expect(first.output()).toContain('messaging drained and closed');

    const second = startConsumer(outFile);
    await eventually(() => handledLines(outFile).length >= TOTAL, 'every message', 120_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const lines = handledLines(outFile);
    const ids = lines.map((line) => line.split(' ')[0]);
    const numbers = new Set(lines.map((line) => Number(line.split(' ')[1])));
    expect(lines).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(numbers.size).toBe(TOTAL);
    expect(await queueDepth(QUEUE)).toBe(0);
    expect(await queueDepth(`${QUEUE}.dlq`)).toBe(0);
  });
});
