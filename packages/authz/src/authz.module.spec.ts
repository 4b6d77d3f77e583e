import { BulwarkConfigError } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { AUTHZ_OPTIONS } from './authz.constants.js';
import { AuthzModule } from './authz.module.js';
import type { AuthzModuleOptions, ResolvedAuthzOptions } from './authz-options.interface.js';

async function resolved(module: ReturnType<typeof AuthzModule.forRoot>, imports: unknown[] = []) {
  const ref = await Test.createTestingModule({
    imports: [...(imports as never[]), module],
  }).compile();
  const options = ref.get<ResolvedAuthzOptions>(AUTHZ_OPTIONS);
  await ref.close();
  return options;
}

@Injectable()
class AuthzConfig {
  createAuthzOptions(): AuthzModuleOptions {
    return { objectDenialStatus: 403, permissions: { editor: ['notes:publish'] } };
  }
}

@Module({
  providers: [AuthzConfig, { provide: 'DENY', useValue: 403 }],
  exports: [AuthzConfig, 'DENY'],
})
class ConfigModule {}

describe('AuthzModule registration', () => {
  describe('when forRoot() has no options', () => {
    it('applies every default', async () => {
      const options = await resolved(AuthzModule.forRoot());
      expect(options).toEqual({
        permissions: new Map(),
        objectDenialStatus: 404,
        undeclaredRoutes: 'fail',
        validation: {},
        serialization: true,
        unguardedRoutes: [],
      });
    });
  });

  describe('when forRoot() has custom options', () => {
    it('keeps them', async () => {
      const options = await resolved(
        AuthzModule.forRoot({
          objectDenialStatus: 403,
          undeclaredRoutes: 'warn',
          permissions: { admin: ['a', 'b'] },
          validation: false,
          serialization: false,
          unguardedRoutes: ['GET /docs', 'ALL /public/*'],
        }),
      );
      expect(options.unguardedRoutes).toEqual([
        { method: 'GET', path: '/docs' },
        { method: 'ALL', path: '/public/*' },
      ]);
      expect(options.objectDenialStatus).toBe(403);
      expect(options.undeclaredRoutes).toBe('warn');
      expect(options.permissions.get('admin')).toEqual(new Set(['a', 'b']));
      expect(options.validation).toBe(false);
      expect(options.serialization).toBe(false);
    });
  });

  describe('when forRootAsync() uses a factory with inject', () => {
    it('resolves the options from the factory', async () => {
      const options = await resolved(
        AuthzModule.forRootAsync({
          imports: [ConfigModule],
          inject: ['DENY'],
          useFactory: (deny: 403) => ({ objectDenialStatus: deny }),
        }),
      );
      expect(options.objectDenialStatus).toBe(403);
    });

    it('validates the factory result, naming the option', async () => {
      const module = AuthzModule.forRootAsync({
        useFactory: () => ({ objectDenialStatus: 302 as never }),
      });
      await expect(Test.createTestingModule({ imports: [module] }).compile()).rejects.toThrow(
        new BulwarkConfigError('objectDenialStatus', 'must be 404 (default) or 403'),
      );
    });
  });

  describe('when forRootAsync() uses a class', () => {
    it('resolves the options from createAuthzOptions()', async () => {
      const options = await resolved(AuthzModule.forRootAsync({ useClass: AuthzConfig }));
      expect(options.permissions.get('editor')).toEqual(new Set(['notes:publish']));
    });
  });

  describe('when forRootAsync() uses an existing provider', () => {
    it('resolves the options from it', async () => {
      const options = await resolved(
        AuthzModule.forRootAsync({ imports: [ConfigModule], useExisting: AuthzConfig }),
      );
      expect(options.objectDenialStatus).toBe(403);
    });
  });
});
