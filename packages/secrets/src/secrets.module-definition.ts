import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SecretsOptions } from './secrets-options.interface.js';

/** Injection token of the `SecretStore` behind `SecretsService`. */
export const SECRET_STORE = 'BULWARK_SECRETS:STORE';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: SECRETS_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SecretsOptions>({
  moduleName: 'Secrets',
  optionsInjectionToken: 'BULWARK_SECRETS:OPTIONS',
})
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
