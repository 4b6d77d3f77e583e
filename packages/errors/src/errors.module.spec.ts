import { describeModuleRegistration } from '@bulwark/test-harness';
import { expect } from 'vitest';
import { ErrorsModule } from './errors.module.js';
import { ERRORS_OPTIONS, InjectErrorsOptions } from './errors.module-definition.js';
import type { ErrorsModuleOptions } from './errors-options.interface.js';

describeModuleRegistration<ErrorsModuleOptions>('ErrorsModule', {
  module: ErrorsModule,
  options: { validation: false, requestIds: false },
  init: false,
  check: (moduleRef, options) => expect(moduleRef.get(ERRORS_OPTIONS)).toEqual(options),
  checkDefaults: (moduleRef) => expect(moduleRef.get(ERRORS_OPTIONS)).toEqual({}),
  // The errors options have no defaults to fill in: the resolved options are the validated ones.
  injected: {
    decorator: InjectErrorsOptions,
    check: (resolved, options) => expect(resolved).toEqual(options),
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
