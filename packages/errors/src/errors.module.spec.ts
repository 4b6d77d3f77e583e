import { describeModuleRegistration } from '@bulwark/test-harness';
import { Injectable } from '@nestjs/common';
import { expect } from 'vitest';
import { ErrorsModule } from './errors.module.js';
import { ERRORS_OPTIONS, InjectErrorsOptions } from './errors.module-definition.js';
import type {
  ErrorsModuleOptions,
  ErrorsOptionsFactory,
  ResolvedErrorsOptions,
} from './errors-options.interface.js';

const registered: ErrorsModuleOptions = { validation: false, requestIds: false };

/** The application-side options class: `forRootAsync` takes it as `useClass` and `useExisting`. */
@Injectable()
class ErrorsConfig implements ErrorsOptionsFactory {
  create(): ErrorsModuleOptions {
    return registered;
  }
}

describeModuleRegistration<ErrorsModuleOptions, ResolvedErrorsOptions>('ErrorsModule', {
  module: ErrorsModule,
  options: registered,
  optionsFactory: ErrorsConfig,
  init: false,
  check: (moduleRef, options) => expect(moduleRef.get(ERRORS_OPTIONS)).toEqual(options),
  checkDefaults: (moduleRef) => expect(moduleRef.get(ERRORS_OPTIONS)).toEqual({}),
  injected: {
    decorator: InjectErrorsOptions,
    options: { requestIds: false },
    // `validation` left unset: the global pipe with no protected fields.
    check: (resolved) =>
      expect(resolved).toEqual({ validation: { protectedFields: [] }, requestIds: false }),
  },
  invalid: [
    {
      options: { requestIds: 'yes' } as unknown as ErrorsModuleOptions,
      setting: 'requestIds',
      contains: 'requestIds: must be true or false',
    },
    {
      options: { validation: 3 } as unknown as ErrorsModuleOptions,
      setting: 'validation',
      contains: 'validation: must be true, false or ValidationPipe options',
    },
  ],
});
