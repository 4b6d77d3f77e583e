import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { validateSecretsOptions } from './internal/validate-options.js';
import { SecretStore } from './secret-store.js';
import {
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  SECRET_STORE,
  SECRETS_OPTIONS,
} from './secrets.module-definition.js';
import { SecretsService } from './secrets.service.js';
import type { SecretsOptions } from './secrets-options.interface.js';

const logger = new Logger('SecretsModule');

/**
 * Loads mounted secrets at start-up and provides `SecretsService`. A missing required secret
 * stops the start-up with a `BulwarkConfigError` naming it.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     SecretsModule.forRoot({ required: ['REDIS_URL'], directories: ['/etc/bulwark/secrets'] }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  providers: [
    {
      provide: SECRET_STORE,
      // Options from forRootAsync are only known here, so they are validated here too.
      useFactory: (options: SecretsOptions) =>
        SecretStore.create(validateSecretsOptions(options, (message) => logger.warn(message))),
      inject: [SECRETS_OPTIONS],
    },
    SecretsService,
  ],
  exports: [SecretsService],
})
export class SecretsModule extends ConfigurableModuleClass {
  /** Registers the module; the options are validated now, before the app is built. */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    validateSecretsOptions(options, () => undefined);
    return super.forRoot(options);
  }
}
