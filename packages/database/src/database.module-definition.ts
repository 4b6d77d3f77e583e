import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DATABASE_OPTIONS } from './database.constants.js';
import type {
  DatabaseModuleExtras,
  DatabaseModuleOptions,
} from './database-module-options.interface.js';
import { DatabaseExceptionMapperRegistration } from './internal/exception-mapper.js';

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
      ...(extras.mapErrors ? [DatabaseExceptionMapperRegistration] : []),
    ],
  }))
  .build();
