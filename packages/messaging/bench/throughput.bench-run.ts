import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Consume } from '../src/consume.decorator.js';
import { broker, makeKeys, rawConnection, startApp, tlsOptions } from '../test/support/fixture.js';

// pnpm bench: messages per second published with confirms and consumed with signature
// verification and validation, against plain amqplib with confirms and no checks, in one run
// against the same throw-away broker. BENCH_SMOKE=1 runs a short version.
const TOTAL = process.env.BENCH_SMOKE ? 300 : 5000;
const WINDOW = 200;
const ORDERS = broker.identities?.orders.spiffeId ?? '';

class Tick {
  @IsString()
  ref!: string;

  @IsInt()
  n!: number;
}

let handled = 0;
let done: () => void = () => {};

@Injectable()
class Counter {
  @Consume({
    queue: 'billing.bench',
    exchange: 'orders.events',
    type: 'bench.tick',
    producers: [ORDERS],
    dto: Tick,
  })
  handle() {
    handled += 1;
    if (handled === TOTAL) done();
  }
}

interface Result {
  label: string;
  seconds: number;
  perSecond: number;
  cpuMicrosPerMessage: number;
}

async function measure(label: string, run: () => Promise<void>): Promise<Result> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    label,
    seconds,
    perSecond: TOTAL / seconds,
    cpuMicrosPerMessage: (used.user + used.system) / TOTAL,
  };
}

async function plainAmqplib(): Promise<void> {
  const producer = await rawConnection('orders');
  const consumer = await rawConnection('billing');
  const publish = await producer.createConfirmChannel();
  const consume = await consumer.createChannel();
  await consume.assertQueue('billing.bench-plain', {
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  await consume.bindQueue('billing.bench-plain', 'orders.events', 'bench.plain');
  await consume.prefetch(16);
  let received = 0;
  const all = new Promise<void>((resolve) => {
    void consume.consume('billing.bench-plain', (message) => {
      if (!message) return;
      consume.ack(message);
      received += 1;
      if (received === TOTAL) resolve();
    });
  });
  for (let start = 0; start < TOTAL; start += WINDOW) {
    for (let n = start; n < Math.min(TOTAL, start + WINDOW); n += 1) {
      publish.publish(
        'orders.events',
        'bench.plain',
        Buffer.from(JSON.stringify({ ref: randomUUID(), n })),
        {
          contentType: 'application/json',
          persistent: true,
        },
      );
    }
    await publish.waitForConfirms();
  }
  await all;
  await producer.close();
  await consumer.close();
}

describe.skipIf(!broker.available)('messaging throughput', () => {
  it(`moves ${TOTAL} messages, signed, verified and validated, against plain amqplib`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-messaging-bench-'));
    const keys = await makeKeys(dir, 'orders');
    const producer = await startApp({
      ...tlsOptions('orders'),
      signingKeyFile: keys.privateFile,
      exchanges: [{ name: 'orders.events' }],
    });
    await producer.messaging.whenConnected();
    const consumer = await startApp(
      { ...tlsOptions('billing'), producers: { [ORDERS]: keys.jwksFile }, dedupeCapacity: TOTAL },
      { providers: [Counter] },
    );
    await consumer.messaging.whenConnected();
    try {
      const plain = await measure('plain amqplib, confirms, no checks', plainAmqplib);
      const bulwark = await measure('@bulwark/messaging', async () => {
        const all = new Promise<void>((resolve) => {
          done = resolve;
        });
        for (let start = 0; start < TOTAL; start += WINDOW) {
          const batch: Promise<unknown>[] = [];
          for (let n = start; n < Math.min(TOTAL, start + WINDOW); n += 1) {
            batch.push(
              producer.messaging.publish('orders.events', 'bench.tick', { ref: randomUUID(), n }),
            );
          }
          await Promise.all(batch);
        }
        // A refused message would never arrive: fail instead of waiting forever.
        let watchdog: NodeJS.Timeout | undefined;
        const refused = new Promise<never>((_, reject) => {
          watchdog = setInterval(() => {
            const stats = consumer.messaging.stats()['billing.bench'];
            if (stats && stats.deadLettered > 0) {
              reject(new Error(`dead-lettered: ${JSON.stringify(stats.rejected)}`));
            }
          }, 500);
        });
        try {
          await Promise.race([all, refused]);
        } finally {
          clearInterval(watchdog);
        }
      });
      const rows = [plain, bulwark].map(
        (result) =>
          `${result.label.padEnd(40)} ${result.perSecond.toFixed(0).padStart(8)} msg/s  ${result.cpuMicrosPerMessage.toFixed(0).padStart(6)} µs CPU/msg  (${result.seconds.toFixed(2)} s)`,
      );
      const ratio = bulwark.perSecond / plain.perSecond;
      process.stdout.write(
        `\n${TOTAL} messages, publish window ${WINDOW}, prefetch 16, producer and consumer in one process, one broker node on loopback\n${rows.join('\n')}\nratio: ${(ratio * 100).toFixed(0)}% of plain amqplib's throughput, ${(bulwark.cpuMicrosPerMessage / plain.cpuMicrosPerMessage).toFixed(1)}x its CPU per message\n\n`,
      );
      expect(handled).toBe(TOTAL);
    } finally {
      await producer.moduleRef.close();
      await consumer.moduleRef.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
