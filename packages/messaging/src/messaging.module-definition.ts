import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { resolveMessagingOptions } from './internal/resolve-options.js';
import type {
  MessagingModuleOptions,
  ResolvedMessagingOptions,
} from './messaging-options.interface.js';

/** Injection token of the raw {@link MessagingModuleOptions} given to `forRoot`/`forRootAsync`. */
export const MESSAGING_OPTIONS = 'BULWARK_MESSAGING:OPTIONS';

/** Injection token of the {@link ResolvedMessagingOptions}, resolved once from {@link MESSAGING_OPTIONS}. */
export const RESOLVED_MESSAGING_OPTIONS = 'BULWARK_MESSAGING:RESOLVED_OPTIONS';

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

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedMessagingOptionsProvider: Provider = {
  provide: RESOLVED_MESSAGING_OPTIONS,
  inject: [MESSAGING_OPTIONS],
  useFactory: (options: MessagingModuleOptions) => resolveMessagingOptions(options),
};

/**
 * Injects the {@link ResolvedMessagingOptions}: the options given to `MessagingModule.forRoot`
 * or `forRootAsync`, validated, with the environment and the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectMessagingOptions() options: ResolvedMessagingOptions) {}
 * ```
 */
export const InjectMessagingOptions = (): ParameterDecorator => Inject(RESOLVED_MESSAGING_OPTIONS);
