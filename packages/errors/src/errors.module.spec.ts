import { BulwarkConfigError } from '@bulwark/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { ErrorsModule } from './errors.module.js';
import { ERRORS_OPTIONS } from './errors.module-definition.js';
import type { ErrorsModuleOptions } from './errors-options.interface.js';

@Injectable()
class OptionsFactory {
  create(): ErrorsModuleOptions {
    return { validation: false };
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class OptionsModule {}

async function optionsOf(module: ReturnType<typeof ErrorsModule.forRoot>) {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  return ref.get<ErrorsModuleOptions>(ERRORS_OPTIONS);
}

describe('ErrorsModule', () => {
  describe('when registered with forRoot() defaults', () => {
    it('provides empty options', async () => {
      expect(await optionsOf(ErrorsModule.forRoot())).toEqual({});
    });
  });

  describe('when registered with custom options', () => {
    it('keeps them', async () => {
      expect(await optionsOf(ErrorsModule.forRoot({ requestIds: false }))).toEqual({
        requestIds: false,
      });
    });

    it('refuses an invalid option at registration, naming it', () => {
      const bad = { requestIds: 'yes' } as unknown as ErrorsModuleOptions;
      expect(() => ErrorsModule.forRoot(bad)).toThrow(BulwarkConfigError);
      expect(() => ErrorsModule.forRoot(bad)).toThrow('requestIds: must be true or false');
    });
  });

  describe('when registered with forRootAsync', () => {
    it('takes options from a factory with inject', async () => {
      const module = ErrorsModule.forRootAsync({
        imports: [OptionsModule],
        inject: [OptionsFactory],
        useFactory: (factory: OptionsFactory) => factory.create(),
      });
      expect(await optionsOf(module)).toEqual({ validation: false });
    });

    it('takes options from useClass', async () => {
      expect(await optionsOf(ErrorsModule.forRootAsync({ useClass: OptionsFactory }))).toEqual({
        validation: false,
      });
    });

    it('takes options from useExisting', async () => {
      const module = ErrorsModule.forRootAsync({
        imports: [OptionsModule],
        useExisting: OptionsFactory,
      });
      expect(await optionsOf(module)).toEqual({ validation: false });
    });

    it('refuses invalid async options when the pipe is built', async () => {
      const module = ErrorsModule.forRootAsync({
        useFactory: () => ({ validation: 3 }) as unknown as ErrorsModuleOptions,
      });
      await expect(Test.createTestingModule({ imports: [module] }).compile()).rejects.toThrow(
        'validation: must be true, false or ValidationPipe options',
      );
    });
  });
});
