import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READINESS_INDICATOR } from '@bulwark/core/lifecycle';
import { BulwarkPipelineModule, PipelineRegistry } from '@bulwark/core/pipeline';
import { describeModuleRegistration } from '@bulwark/test-harness';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_OPTIONS } from './auth.module-definition.js';
import type { AuthOptionsFactory } from './auth-options.interface.js';
import { mintDevToken } from './exports/dev.js';
import { AuthKeyStore, TokenVerifier } from './exports/verifier.js';
import {
  AuthGuard,
  AuthModule,
  type AuthModuleOptions,
  InjectAuthOptions,
  type ResolvedAuthOptions,
} from './index.js';

describe('AuthModule registration', () => {
  let issuer: TestIssuer;
  let folder: string;
  const options = (): AuthModuleOptions => ({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUrl,
  });
  const compile = async (imports: unknown[]) => {
    const moduleRef = await Test.createTestingModule({ imports: imports as never }).compile();
    await moduleRef.init();
    return moduleRef;
  };
  beforeAll(async () => {
    issuer = await createTestIssuer();
    folder = await mkdtemp(join(tmpdir(), 'bulwark-auth-'));
  });
  afterAll(async () => {
    await issuer.close();
    await rm(folder, { recursive: true, force: true });
  });

  const valid = {
    issuer: 'https://idp.example',
    audience: 'api',
    jwksUri: 'https://idp.example/jwks',
  };
  /** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
  @Injectable()
  class AuthConfig implements AuthOptionsFactory {
    createAuthOptions(): AuthModuleOptions {
      return options();
    }
  }

  describeModuleRegistration<AuthModuleOptions>('AuthModule', {
    module: AuthModule,
    options,
    optionsFactory: AuthConfig,
    factoryMethodName: 'createAuthOptions',
    check: async (moduleRef) => {
      expect(moduleRef.get(AUTH_OPTIONS)).toMatchObject({ audience: issuer.audience });
      expect(moduleRef.get(AuthGuard)).toBeInstanceOf(AuthGuard);
      const verifier = moduleRef.get(TokenVerifier);
      expect(moduleRef.get(AuthKeyStore).verifier).toBe(verifier);
      expect((await verifier.verify(issuer.mint())).subject).toBe('alice');
    },
    invalid: [
      {
        options: { ...valid, audience: undefined },
        setting: 'audience',
        message: /^audience: is required/,
      },
      {
        options: { ...valid, realm: '"' },
        setting: 'realm',
        message: /^realm: must be printable ASCII/,
      },
    ],
  });

  describe('when registered with forRoot', () => {
    it("adds the guard to the request pipeline's authentication stage, whose one global guard runs it", async () => {
      const definition = AuthModule.forRoot(options());
      expect(definition.global).toBe(true);
      expect(Reflect.getMetadata('imports', AuthModule)).toContain(BulwarkPipelineModule);
      const moduleRef = await compile([definition]);
      const steps = moduleRef.get(PipelineRegistry).steps;
      expect(steps).toEqual([moduleRef.get(AuthGuard)]);
      expect(steps[0]?.stage).toBe('authentication');
      await moduleRef.close();
    });

    it('uses the development issuer when no key source is set', async () => {
      const directory = join(folder, 'dev');
      const moduleRef = await compile([AuthModule.forRoot({ devIssuer: { directory } })]);
      const token = await mintDevToken({ sub: 'bob', scopes: ['notes:read'], directory });
      const principal = await moduleRef.get(TokenVerifier).verify(token);
      expect(principal).toMatchObject({ subject: 'bob', scopes: ['notes:read'] });
      expect(moduleRef.get(AuthKeyStore).readiness()).toEqual({ ready: true });
      await moduleRef.close();
    });
  });

  describe('when an application provider injects the options', () => {
    @Injectable()
    class OptionsReader {
      constructor(@InjectAuthOptions() readonly options: ResolvedAuthOptions) {}
    }

    it.each([
      ['forRoot', () => AuthModule.forRoot({ ...options(), jwksCooldownSeconds: 7 })],
      [
        'forRootAsync',
        () =>
          AuthModule.forRootAsync({ useFactory: () => ({ ...options(), jwksCooldownSeconds: 7 }) }),
      ],
    ])(
      '@InjectAuthOptions() gives the resolved options the verifier uses (%s)',
      async (_, register) => {
        const moduleRef = await Test.createTestingModule({
          imports: [register()],
          providers: [OptionsReader],
        }).compile();
        const { options: resolved } = moduleRef.get(OptionsReader);
        expect(resolved).toBe(moduleRef.get(TokenVerifier).resolvedOptions);
        expect(resolved.cooldownMs).toBe(7000);
        expect(resolved.realm).toBe('api');
        expect(resolved.issuers).toEqual([
          expect.objectContaining({ issuer: issuer.issuer, audience: [issuer.audience] }),
        ]);
        await moduleRef.close();
      },
    );
  });

  it('marks the key store as the jwks readiness indicator', () => {
    expect(Reflect.getMetadata(READINESS_INDICATOR, AuthKeyStore)).toBe('jwks');
  });
});
