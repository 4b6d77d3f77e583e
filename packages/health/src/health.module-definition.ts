import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import { DEFAULT_HEALTH_PATH } from './health.constants.js';
import type {
  HealthModuleExtras,
  HealthModuleOptions,
  ResolvedHealthOptions,
} from './health-options.interface.js';
import { resolveHealthOptions } from './internal/validate-options.js';

/** Injection token of the raw {@link HealthModuleOptions} given to `forRoot`/`forRootAsync`. */
export const HEALTH_OPTIONS = 'BULWARK_HEALTH:OPTIONS';

/** Injection token of the {@link ResolvedHealthOptions}, resolved once from {@link HEALTH_OPTIONS}. */
export const RESOLVED_HEALTH_OPTIONS = 'BULWARK_HEALTH:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: HealthConfigurableModule,
  OPTIONS_TYPE: HEALTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HEALTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HealthModuleOptions>({ optionsInjectionToken: HEALTH_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createHealthOptions')
  // `HealthModule` mounts the controller at `path`; the module definition stays free of it so
  // that the service, which injects the options, does not import itself back through here.
  .setExtras<HealthModuleExtras>({ path: DEFAULT_HEALTH_PATH }, (definition) => definition)
  .build();

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedHealthOptionsProvider: Provider = {
  provide: RESOLVED_HEALTH_OPTIONS,
  inject: [HEALTH_OPTIONS],
  useFactory: (options: HealthModuleOptions) => resolveHealthOptions(options),
};

/**
 * Injects the {@link ResolvedHealthOptions}: the options given to `HealthModule.forRoot` or
 * `forRootAsync`, validated, with every default applied.
 *
 * @example
 * ```ts
 * constructor(@InjectHealthOptions() options: ResolvedHealthOptions) {}
 * ```
 */
export const InjectHealthOptions = (): ParameterDecorator => Inject(RESOLVED_HEALTH_OPTIONS);
