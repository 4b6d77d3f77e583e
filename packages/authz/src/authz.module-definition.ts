import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AUTHZ_MODULE_OPTIONS } from './authz.constants.js';
import type { AuthzModuleOptions } from './authz-options.interface.js';

export const {
  ConfigurableModuleClass: AuthzConfigurableModule,
  OPTIONS_TYPE: AUTHZ_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTHZ_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthzModuleOptions>({
  optionsInjectionToken: AUTHZ_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthzOptions')
  .build();
