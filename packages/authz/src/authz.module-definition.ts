import { ConfigurableModuleBuilder, Inject, type Provider } from '@nestjs/common';
import type { AuthzModuleOptions, ResolvedAuthzOptions } from './authz-options.interface.js';
import { resolveAuthzOptions } from './internal/options.js';

/** Injection token of the raw {@link AuthzModuleOptions} given to `forRoot`/`forRootAsync`. */
export const AUTHZ_OPTIONS = 'BULWARK_AUTHZ:OPTIONS';

/** Injection token of the {@link ResolvedAuthzOptions}, resolved once from {@link AUTHZ_OPTIONS}. */
export const RESOLVED_AUTHZ_OPTIONS = 'BULWARK_AUTHZ:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: AuthzConfigurableModule,
  OPTIONS_TYPE: AUTHZ_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTHZ_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthzModuleOptions>({
  optionsInjectionToken: AUTHZ_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthzOptions')
  .build();

/** Resolves the options once; `forRootAsync` options are validated here, at start-up. */
export const resolvedAuthzOptionsProvider: Provider = {
  provide: RESOLVED_AUTHZ_OPTIONS,
  inject: [AUTHZ_OPTIONS],
  useFactory: (options: AuthzModuleOptions) => resolveAuthzOptions(options),
};

/**
 * Injects the {@link ResolvedAuthzOptions}: the options given to `AuthzModule.forRoot` or
 * `forRootAsync`, validated, with the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectAuthzOptions() options: ResolvedAuthzOptions) {}
 * ```
 */
export const InjectAuthzOptions = (): ParameterDecorator => Inject(RESOLVED_AUTHZ_OPTIONS);
