import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulwarkConfigError } from '@bulwark/core';
import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsModule } from './secrets.module.js';
import { InjectSecretsOptions } from './secrets.module-definition.js';
import { SecretsService } from './secrets.service.js';
import type {
  ResolvedSecretsOptions,
  SecretsModuleOptions,
  SecretsOptionsFactory,
} from './secrets-options.interface.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-secrets-module-'));
  await writeFile(join(dir, 'REDIS_URL'), 'redis://:module-pass@redis:6379\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (): SecretsModuleOptions => ({
  required: ['REDIS_URL'],
  directories: [dir],
  env: {},
  watch: false,
});

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class SecretsConfig implements SecretsOptionsFactory {
  create(): SecretsModuleOptions {
    return options();
  }
}

describeModuleRegistration<SecretsModuleOptions, ResolvedSecretsOptions>('SecretsModule', {
  module: SecretsModule,
  options,
  optionsFactory: SecretsConfig,
  check: (moduleRef) =>
    expect(moduleRef.get(SecretsService).get('REDIS_URL')).toBe('redis://:module-pass@redis:6379'),
  injected: {
    decorator: InjectSecretsOptions,
    check: (resolved, options) => {
      expect(resolved).toMatchObject({
        required: ['REDIS_URL'],
        directories: options.directories,
        watch: false,
        watchDebounceMs: 100,
        maxFileBytes: 65_536,
      });
    },
  },
  invalid: [
    {
      options: { required: ['REDIS_URL'], watchDebounceMs: -1 },
      setting: 'watchDebounceMs',
      contains: 'watchDebounceMs: must be an integer from 0 to 60000',
    },
    {
      options: { required: ['not valid'] },
      setting: 'required',
      message: /^required: "not valid" is not a valid secret name/,
    },
  ],
});

describe('SecretsModule', () => {
  describe('when registered with forRoot', () => {
    it('fails start-up naming a missing required secret', async () => {
      const building = Test.createTestingModule({
        imports: [SecretsModule.forRoot({ ...options(), required: ['REDIS_URL', 'JWT_KEY'] })],
      }).compile();
      await expect(building).rejects.toBeInstanceOf(BulwarkConfigError);
      await expect(building).rejects.toThrow(/^JWT_KEY: required secret is missing/);
    });

    it('registers globally with isGlobal', async () => {
      @Injectable()
      class Consumer {
        constructor(readonly secrets: SecretsService) {}
      }
      @Module({ providers: [Consumer] })
      class FeatureModule {}
      const ref = await Test.createTestingModule({
        imports: [SecretsModule.forRoot({ ...options(), isGlobal: true }), FeatureModule],
      }).compile();
      expect(ref.get(Consumer).secrets.get('REDIS_URL')).toBe('redis://:module-pass@redis:6379');
      await ref.close();
    });
  });

  it('closes its watchers when the module is destroyed', async () => {
    const ref = await Test.createTestingModule({
      imports: [SecretsModule.forRoot({ ...options(), watch: true })],
    }).compile();
    const secrets = ref.get(SecretsService);
    const seen: string[] = [];
    secrets.onRotate('REDIS_URL', ({ value }) => seen.push(value));
    await ref.close();
    await writeFile(join(dir, 'REDIS_URL'), 'redis://:after-close@redis:6379');
    expect(await secrets.refresh()).toEqual([]);
    expect(secrets.get('REDIS_URL')).toBe('redis://:module-pass@redis:6379');
    expect(seen).toEqual([]);
  });
});
