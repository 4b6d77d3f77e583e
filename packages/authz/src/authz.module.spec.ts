import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { AuthzModule } from './authz.module.js';
import {
  AUTHZ_OPTIONS,
  InjectAuthzOptions,
  RESOLVED_AUTHZ_OPTIONS,
} from './authz.module-definition.js';
import type {
  AuthzModuleOptions,
  AuthzOptionsFactory,
  ResolvedAuthzOptions,
} from './authz-options.interface.js';

async function resolved(module: ReturnType<typeof AuthzModule.forRoot>, imports: unknown[] = []) {
  const ref = await Test.createTestingModule({
    imports: [...(imports as never[]), module],
  }).compile();
  const options = ref.get<ResolvedAuthzOptions>(RESOLVED_AUTHZ_OPTIONS);
  await ref.close();
  return options;
}

const registered: AuthzModuleOptions = {
  objectDenialStatus: 403,
  permissions: { editor: ['notes:publish'] },
};

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class AuthzConfig implements AuthzOptionsFactory {
  createAuthzOptions(): AuthzModuleOptions {
    return registered;
  }
}

describeModuleRegistration<AuthzModuleOptions, ResolvedAuthzOptions>('AuthzModule', {
  module: AuthzModule,
  options: registered,
  optionsFactory: AuthzConfig,
  factoryMethodName: 'createAuthzOptions',
  init: false,
  check: (moduleRef) => {
    const options = moduleRef.get<ResolvedAuthzOptions>(RESOLVED_AUTHZ_OPTIONS);
    expect(options.objectDenialStatus).toBe(403);
    expect(options.permissions.get('editor')).toEqual(new Set(['notes:publish']));
  },
  checkDefaults: (moduleRef) => {
    expect(moduleRef.get<ResolvedAuthzOptions>(RESOLVED_AUTHZ_OPTIONS)).toEqual({
      permissions: new Map(),
      objectDenialStatus: 404,
      undeclaredRoutes: 'fail',
      validation: {},
      serialization: true,
      unguardedRoutes: [],
    });
  },
  injected: {
    decorator: InjectAuthzOptions,
    check: (resolved) => {
      expect(resolved.objectDenialStatus).toBe(403);
      expect(resolved.permissions.get('editor')).toEqual(new Set(['notes:publish']));
      expect(resolved.undeclaredRoutes).toBe('fail');
      expect(resolved.serialization).toBe(true);
    },
  },
  invalid: [
    {
      options: { objectDenialStatus: 302 as never },
      setting: 'objectDenialStatus',
      message: 'objectDenialStatus: must be 404 (default) or 403',
    },
  ],
});

describe('AuthzModule registration', () => {
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
});

describe('AuthzModule options tokens', () => {
  it('are namespaced: BULWARK_AUTHZ:OPTIONS holds the raw options, BULWARK_AUTHZ:RESOLVED_OPTIONS the resolved ones', () => {
    expect(AUTHZ_OPTIONS).toBe('BULWARK_AUTHZ:OPTIONS');
    expect(RESOLVED_AUTHZ_OPTIONS).toBe('BULWARK_AUTHZ:RESOLVED_OPTIONS');
  });

  it('InjectAuthzOptions() gives the resolved options: validated, with every default applied', async () => {
    @Injectable()
    class ReadsOptions {
      constructor(@InjectAuthzOptions() readonly options: ResolvedAuthzOptions) {}
    }
    const raw: AuthzModuleOptions = { permissions: { editor: ['notes:publish'] } };
    const moduleRef = await Test.createTestingModule({
      imports: [AuthzModule.forRoot(raw)],
      providers: [ReadsOptions],
    }).compile();
    try {
      expect(moduleRef.get(ReadsOptions).options).toEqual({
        permissions: new Map([['editor', new Set(['notes:publish'])]]),
        objectDenialStatus: 404,
        undeclaredRoutes: 'fail',
        validation: {},
        serialization: true,
        unguardedRoutes: [],
      });
      expect(moduleRef.get(ReadsOptions).options).toBe(
        moduleRef.get<ResolvedAuthzOptions>(RESOLVED_AUTHZ_OPTIONS),
      );
      expect(moduleRef.get<AuthzModuleOptions>(AUTHZ_OPTIONS)).toEqual(raw);
    } finally {
      await moduleRef.close();
    }
  });
});
