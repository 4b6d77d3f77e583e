import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BulwarkConfigError,
  BulwarkPipelineModule,
  PipelineRegistry,
  READINESS_INDICATOR,
} from '@bulwark/core';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_OPTIONS,
  AuthGuard,
  AuthKeyStore,
  AuthModule,
  type AuthModuleOptions,
  mintDevToken,
  TokenVerifier,
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
  const expectWorking = async (moduleRef: Awaited<ReturnType<typeof compile>>) => {
    const verifier = moduleRef.get(TokenVerifier);
    expect(moduleRef.get(AuthKeyStore).verifier).toBe(verifier);
    expect((await verifier.verify(issuer.mint())).subject).toBe('alice');
    await moduleRef.close();
  };

  beforeAll(async () => {
    issuer = await createTestIssuer();
    folder = await mkdtemp(join(tmpdir(), 'bulwark-auth-'));
  });
  afterAll(async () => {
    await issuer.close();
    await rm(folder, { recursive: true, force: true });
  });

  describe('when registered with forRoot', () => {
    it('provides the verifier, the guard and the options', async () => {
      const moduleRef = await compile([AuthModule.forRoot(options())]);
      expect(moduleRef.get(AUTH_OPTIONS)).toMatchObject({ audience: issuer.audience });
      expect(moduleRef.get(AuthGuard)).toBeInstanceOf(AuthGuard);
      await expectWorking(moduleRef);
    });

    it('fails at registration, naming the option', () => {
      expect(() => AuthModule.forRoot({ ...options(), audience: undefined })).toThrow(
        BulwarkConfigError,
      );
      expect(() => AuthModule.forRoot({ ...options(), audience: undefined })).toThrow(
        /^audience: is required/,
      );
    });

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

  describe('when registered with forRootAsync', () => {
    it('takes a factory with inject', async () => {
      @Module({ providers: [{ provide: 'ISSUER', useFactory: () => issuer }], exports: ['ISSUER'] })
      class ConfigModule {}
      const moduleRef = await compile([
        AuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: ['ISSUER'],
          useFactory: (from: TestIssuer) => ({
            issuer: from.issuer,
            audience: from.audience,
            jwksUri: from.jwksUrl,
          }),
        }),
      ]);
      await expectWorking(moduleRef);
    });

    it('takes a class, or an existing provider', async () => {
      @Injectable()
      class AuthConfig {
        createAuthOptions(): AuthModuleOptions {
          return options();
        }
      }
      await expectWorking(await compile([AuthModule.forRootAsync({ useClass: AuthConfig })]));
      @Module({ providers: [AuthConfig], exports: [AuthConfig] })
      class ConfigModule {}
      await expectWorking(
        await compile([
          AuthModule.forRootAsync({ imports: [ConfigModule], useExisting: AuthConfig }),
        ]),
      );
    });

    it('fails start-up on bad options from a factory, naming the option', async () => {
      const failing = Test.createTestingModule({
        imports: [AuthModule.forRootAsync({ useFactory: () => ({ ...options(), realm: '"' }) })],
      }).compile();
      await expect(failing).rejects.toThrow(/^realm: must be printable ASCII/);
    });
  });

  it('marks the key store as the jwks readiness indicator', () => {
    expect(Reflect.getMetadata(READINESS_INDICATOR, AuthKeyStore)).toBe('jwks');
  });
});
