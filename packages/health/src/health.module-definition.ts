import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_HEALTH_PATH, HEALTH_OPTIONS } from './health.constants.js';
import { createHealthController } from './health.controller.js';
import type { HealthModuleExtras, HealthModuleOptions } from './health-options.interface.js';
import { resolveHealthPath } from './internal/validate-options.js';

export const {
  ConfigurableModuleClass: HealthConfigurableModule,
  OPTIONS_TYPE: HEALTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HEALTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HealthModuleOptions>({ optionsInjectionToken: HEALTH_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createHealthOptions')
  .setExtras<HealthModuleExtras>({ path: DEFAULT_HEALTH_PATH }, (definition, extras) => ({
    ...definition,
    controllers: [createHealthController(resolveHealthPath(extras.path))],
  }))
  .build();
