import { InjectAuthOptions, type ResolvedAuthOptions } from '@bulwark/auth';
import { InjectAuthzOptions, type ResolvedAuthzOptions } from '@bulwark/authz';
import { InjectHealthOptions, type ResolvedHealthOptions } from '@bulwark/health';
import { InjectLoggingOptions, type ResolvedLoggingOptions } from '@bulwark/logging';
import { InjectRateLimitOptions, type ResolvedRateLimitOptions } from '@bulwark/rate-limit';
import { createTestIssuer, type TestIssuer } from '@bulwark/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulwarkModule } from './bulwark.module.js';

// CONTRIBUTING.md, "Module layout": BulwarkModule is a composition module with no options token
// of its own; an application injects each composed module's resolved options with that
// package's Inject<Pkg>Options(), which BulwarkModule's re-exports make available.

@Injectable()
class ApplicationSettings {
  constructor(
    @InjectAuthOptions() readonly auth: ResolvedAuthOptions,
    @InjectRateLimitOptions() readonly rateLimit: ResolvedRateLimitOptions,
    @InjectAuthzOptions() readonly authz: ResolvedAuthzOptions,
    @InjectHealthOptions() readonly health: ResolvedHealthOptions,
    @InjectLoggingOptions() readonly logging: ResolvedLoggingOptions,
  ) {}
}

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

describe('BulwarkModule', () => {
  it('has forRoot only: its options choose the imported modules', () => {
    expect(typeof BulwarkModule.forRoot).toBe('function');
    expect('forRootAsync' in BulwarkModule).toBe(false);
  });

  it("gives an application's own provider each composed module's resolved options", async () => {
    @Module({
      imports: [
        BulwarkModule.forRoot({
          env: {},
          auth: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUrl },
          rateLimit: { limit: 9, windowSeconds: 30 },
          authz: { objectDenialStatus: 404 },
          health: { checkTimeoutMs: 250 },
          logging: { level: 'silent' },
          shutdown: false,
          metrics: false,
          tracing: false,
        }),
      ],
      providers: [ApplicationSettings],
    })
    class AppModule {}

    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    try {
      const settings = moduleRef.get(ApplicationSettings);
      expect(settings.auth.issuers[0]?.audience).toEqual([issuer.audience]);
      expect(settings.rateLimit.policies.get('default')).toMatchObject({
        limit: 9,
        windowSeconds: 30,
      });
      expect(settings.authz.objectDenialStatus).toBe(404);
      expect(settings.health.checkTimeoutMs).toBe(250);
      expect(settings.health.cacheTtlMs).toBe(1000);
      expect(settings.logging.level).toBe('silent');
    } finally {
      await moduleRef.close();
    }
  });
});
