import { ConfigurableModuleBuilder } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DATABASE_OPTIONS } from './database.constants.js';
import { DatabaseErrorInterceptor } from './database-error-mapping.js';
import type {
  DatabaseModuleExtras,
  DatabaseModuleOptions,
} from './database-module-options.interface.js';

export const {
  ConfigurableModuleClass: DatabaseConfigurableModule,
  OPTIONS_TYPE: DATABASE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DATABASE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DatabaseModuleOptions>({
  optionsInjectionToken: DATABASE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createDatabaseOptions')
  .setExtras<DatabaseModuleExtras>({ isGlobal: true, mapErrors: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: [
      ...(definition.providers ?? []),
      ...(extras.mapErrors
        ? [{ provide: APP_INTERCEPTOR, useClass: DatabaseErrorInterceptor }]
        : []),
    ],
  }))
  .build();
