import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHUTDOWN_OPTIONS } from './shutdown.constants.js';
import type { ShutdownModuleOptions } from './shutdown-options.interface.js';

export const {
  ConfigurableModuleClass: ShutdownConfigurableModule,
  OPTIONS_TYPE: SHUTDOWN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SHUTDOWN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ShutdownModuleOptions>({
  optionsInjectionToken: SHUTDOWN_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createShutdownOptions')
  .build();
