import { ConfigurableModuleBuilder, Inject, Logger, type Provider } from '@nestjs/common';
import { validateSecretsOptions } from './internal/validate-options.js';
import type { ResolvedSecretsOptions, SecretsModuleOptions } from './secrets-options.interface.js';

/** Injection token of the raw {@link SecretsModuleOptions} given to `forRoot`/`forRootAsync`. */
export const SECRETS_OPTIONS = 'BULWARK_SECRETS:OPTIONS';

/** Injection token of the {@link ResolvedSecretsOptions}, resolved once from {@link SECRETS_OPTIONS}. */
export const RESOLVED_SECRETS_OPTIONS = 'BULWARK_SECRETS:RESOLVED_OPTIONS';

/** Injection token of the `SecretStore` behind `SecretsService`. */
export const SECRET_STORE = 'BULWARK_SECRETS:STORE';

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<SecretsModuleOptions>({
    moduleName: 'Secrets',
    optionsInjectionToken: SECRETS_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

const logger = new Logger('SecretsModule');

/**
 * Resolves the options once. `forRootAsync` options are only known here, so they are validated
 * here too; warnings go to the `SecretsModule` logger unless the options name `onWarning`.
 */
export const resolvedSecretsOptionsProvider: Provider = {
  provide: RESOLVED_SECRETS_OPTIONS,
  inject: [SECRETS_OPTIONS],
  useFactory: (options: SecretsModuleOptions) =>
    validateSecretsOptions(options, (message) => logger.warn(message)),
};

/**
 * Injects the {@link ResolvedSecretsOptions}: the options given to `SecretsModule.forRoot` or
 * `forRootAsync`, validated, with the environment and the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectSecretsOptions() options: ResolvedSecretsOptions) {}
 * ```
 */
export const InjectSecretsOptions = (): ParameterDecorator => Inject(RESOLVED_SECRETS_OPTIONS);
