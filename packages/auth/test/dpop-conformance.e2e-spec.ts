import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '@bulwark/core';
import {
  ADAPTERS,
  bootstrap,
  createTestIssuer,
  type RunningApp,
  type TestIssuer,
} from '@bulwark/test-harness';
import { type ConformanceHints, runConformance } from '@bulwark/testing';
import { Controller, Get, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthModule, type AuthModuleOptions, CurrentPrincipal } from '../src/index.js';

@Controller()
class ProbeController {
  @Get('me')
  me(@CurrentPrincipal() principal: Principal) {
    return { id: principal.id };
  }
}

function appModule(issuer: TestIssuer, options: AuthModuleOptions) {
  @Module({
    imports: [
      AuthModule.forRoot({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUrl,
        ...options,
      }),
    ],
    controllers: [ProbeController],
  })
  class AppModule {}
  return AppModule;
}

function nonceKeyFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bulwark-dpop-conformance-')), 'nonce.key');
  writeFileSync(file, 'n'.repeat(40), { mode: 0o600 });
  return file;
}

const ONLY_DPOP = (issuer: TestIssuer): ConformanceHints => ({
  issuer,
  protectedRoute: { path: '/me' },
  only: ['dpop'],
  // Without @bulwark/errors and @bulwark/http, bodies and headers are Nest's own.
  problemDetails: false,
  securityHeaders: false,
  print: false,
});

describe.each(ADAPTERS)('runConformance probes DPoP of @bulwark/auth on %s', (adapter) => {
  let issuer: TestIssuer;
  const apps: RunningApp[] = [];
  const start = async (options: AuthModuleOptions) => {
    const running = await bootstrap(appModule(issuer, options), { adapter });
    apps.push(running);
    return running.url;
  };

  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(async () => {
    for (const running of apps) await running.close();
    await issuer.close();
  });

  it('passes every DPoP probe, nonces included', async () => {
    for (const dpop of [
      {},
      { mode: 'required' as const, nonce: true, nonceKeyFile: nonceKeyFile() },
    ]) {
      const result = await runConformance(await start({ dpop }), {
        ...ONLY_DPOP(issuer),
        dpop: true,
      });
      expect(result.failures).toEqual([]);
      const ids = result.checks.map((check) => check.id);
      for (const id of [
        'dpop/control',
        'dpop/replay',
        'dpop/key:other',
        'dpop/bound-token-as-bearer',
      ]) {
        expect(ids).toContain(id);
      }
      expect(ids.includes('dpop/use-dpop-nonce')).toBe(dpop.nonce === true);
    }
  });

  it('catches a service that forgets used proofs', async () => {
    const url = await start({ dpop: { replayStore: { claim: async () => true } } });
    const result = await runConformance(url, ONLY_DPOP(issuer));
    expect(result.failures.map((failure) => failure.id)).toEqual(['dpop/replay']);
    expect(result.failures[0]?.detail).toMatch(/^status 200, expected 401/);
  });

  it('skips the probes of a service with DPoP off', async () => {
    const result = await runConformance(await start({ dpop: { mode: 'off' } }), ONLY_DPOP(issuer));
    expect(result.checks.map((check) => [check.id, check.status])).toEqual([
      ['dpop/control', 'skip'],
    ]);
  });
});
