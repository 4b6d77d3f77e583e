import { Writable } from 'node:stream';
import { ADAPTERS, hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import {
  assertConformance,
  createTestIssuer,
  runConformance,
  type TestIssuer,
} from '@bulwark/testing';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ProductionConfig } from '../src/config.js';
import { createProductionApp } from '../src/create-app.js';
import { flushRedis, mountSecrets, protectRedis, serviceEnv } from './support.js';
import { NOTES_HINTS } from './template/notes.conformance.js';

describe.skipIf(!hasRedis())('the production example under the conformance suite', () => {
  let redis: RedisServer;
  let issuer: TestIssuer;
  let config: ProductionConfig;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });

  beforeAll(async () => {
    redis = await startRedis();
    issuer = await createTestIssuer();
    const redisUrl = await protectRedis(redis.port, 'conformance-redis-password');
    // The default limit of 100: failed authentication shares it per address, and the suite's JWT
    // and DPoP probes send about 60 failing attempts before the rate-limit probe runs.
    config = await loadConfig(
      serviceEnv(issuer, mountSecrets(redisUrl), { RATE_LIMIT_MAX: '100' }),
    );
  });
  afterAll(async () => {
    await config.secrets.close();
    await issuer.close();
    await redis.stop();
  });

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      await flushRedis(config.redisUrl);
      app = await createProductionApp(config, { adapter, logDestination: destination });
      await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    });
    afterAll(() => app.close());

    it("answers 201 with the created note's Location, set through @bulwark/core", async () => {
      const token = issuer.mint({ claims: { sub: 'lena', scope: 'notes:write' } });
      const response = await fetch(`${url}/v1/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'where', body: 'here' }),
      });
      expect(response.status).toBe(201);
      const note = (await response.json()) as { id: string };
      expect(response.headers.get('location')).toBe(`/v1/notes/${note.id}`);
    });

    it('passes every check of runConformance', async () => {
      let report = '';
      const result = await runConformance(url, {
        issuer,
        ...NOTES_HINTS,
        rateLimit: { path: '/v1/notes', claims: { scope: 'notes:read' }, maxRequests: 130 },
        print: (text) => (report = text),
      });
      expect(report).toContain('CONFORMANT');
      assertConformance(result);
      expect(result.skipped).toBe(0);
    });

    it('never logged the Redis password read from the mounted secret', () => {
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.join('')).not.toContain('conformance-redis-password');
    });
  });
});
