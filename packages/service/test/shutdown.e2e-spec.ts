import { ShutdownService } from '@bulwark/shutdown';
import { ADAPTERS, createTestIssuer, type TestIssuer } from '@bulwark/test-harness';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../src/index.js';

const closed: string[] = [];

/** Where a team closes its database pool. */
@Injectable()
class DatabasePool implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string) {
    closed.push(`pool closed on ${signal}`);
  }
}

@Module({ providers: [DatabasePool] })
class FeatureModule {}

describe.each(ADAPTERS)('createService on %s: shutdown', (adapter) => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  it("closes the Nest app after the drain, so the feature's onApplicationShutdown runs", async () => {
    closed.length = 0;
    const exits: number[] = [];
    const app = await createService(FeatureModule, {
      adapter,
      env: { NODE_ENV: 'test' },
      auth: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
      shutdown: {
        delaySeconds: 0,
        signals: ['SIGUSR2'],
        exit: (code) => exits.push(code),
        log: () => {},
      },
      metrics: false,
      logging: { destination: { write: () => true } },
    });
    await app.listen(0, '127.0.0.1');

    expect(await app.get(ShutdownService).shutdown('SIGUSR2')).toBe(0);
    expect(exits).toEqual([0]);
    expect(closed).toEqual(['pool closed on SIGUSR2']);
  });
});
