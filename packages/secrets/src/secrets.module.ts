import { type DynamicModule, Module } from '@nestjs/common';
import { validateSecretsOptions } from './internal/validate-options.js';
import { SecretStore } from './secret-store.js';
import {
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  RESOLVED_SECRETS_OPTIONS,
  resolvedSecretsOptionsProvider,
  SECRET_STORE,
} from './secrets.module-definition.js';
import { SecretsService } from './secrets.service.js';
import type { ResolvedSecretsOptions } from './secrets-options.interface.js';

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
    resolvedSecretsOptionsProvider,
    {
      provide: SECRET_STORE,
      useFactory: (options: ResolvedSecretsOptions) => SecretStore.create(options),
      inject: [RESOLVED_SECRETS_OPTIONS],
    },
    SecretsService,
  ],
  exports: [SecretsService, RESOLVED_SECRETS_OPTIONS],
})
export class SecretsModule extends ConfigurableModuleClass {
  /** Registers the module; the options are validated now, before the app is built. */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    validateSecretsOptions(options, () => undefined);
    return super.forRoot(options);
  }
}
