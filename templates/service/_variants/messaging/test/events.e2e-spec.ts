import { createServer } from 'node:net';
import { BulwarkConfigError } from '@bulwark/core';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A loopback port nothing listens on: the broker is down. */
const closedPort = await new Promise<number>((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolve(port));
  });
});

// EventsModule.register() reads AMQP_URL when src/app.module.ts is imported: set it first.
process.env.AMQP_URL = `amqp://127.0.0.1:${closedPort}/`;
const { startTestService, waitForStatus } = await import('./support.js');

describe('the service with messaging on, while the broker is unreachable', () => {
  let issuer: TestIssuer;
  let service: Awaited<ReturnType<typeof startTestService>>;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    service = await startTestService(issuer);
  });
  afterAll(async () => {
    await service?.close();
    await issuer?.close();
    delete process.env.AMQP_URL;
  });

  it('starts, stays live, and is not ready because of the broker alone', async () => {
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    // Once the issuer's keys are loaded, messaging is the only check down.
    let body: { details?: Record<string, { status: string }> } = {};
    for (let i = 0; i < 50 && body.details?.jwks?.status !== 'up'; i++) {
      const ready = await waitForStatus(`${service.url}/health/ready`, 503);
      expect(ready.status).toBe(503);
      body = (await ready.json()) as typeof body;
      if (body.details?.jwks?.status !== 'up') await new Promise((r) => setTimeout(r, 100));
    }
    expect(body.details).toMatchObject({ jwks: { status: 'up' }, messaging: { status: 'down' } });
    for (const [name, check] of Object.entries(body.details ?? {})) {
      if (name !== 'messaging') expect(check.status, name).toBe('up');
    }
  });

  it('serves the messaging counters on the metrics port', async () => {
    const response = await fetch(service.metricsUrl);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('# TYPE bulwark_messaging_messages_total counter');
    expect(text).toContain('# TYPE bulwark_messaging_rejected_total counter');
  });
});

describe('EVENTS_EXCHANGE', () => {
  it('stops start-up naming it when it is a name the broker reserves', async () => {
    const issuer = await createTestIssuer();
    process.env.EVENTS_EXCHANGE = 'amq.topic';
    try {
      const failure = await startTestService(issuer).then(
        async (service) => {
          await service.close();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(BulwarkConfigError);
      expect((failure as Error).message).toMatch(/^EVENTS_EXCHANGE: must be 1 to 200/);
    } finally {
      delete process.env.EVENTS_EXCHANGE;
      await issuer.close();
    }
  });
});
