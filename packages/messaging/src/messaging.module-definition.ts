import { ConfigurableModuleBuilder } from '@nestjs/common';
import { MESSAGING_OPTIONS } from './messaging.constants.js';
import type { MessagingModuleOptions } from './messaging-options.interface.js';

export const {
  ConfigurableModuleClass: MessagingConfigurableModule,
  OPTIONS_TYPE: MESSAGING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MESSAGING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MessagingModuleOptions>({
  optionsInjectionToken: MESSAGING_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMessagingOptions')
  .build();
