import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import { AUTHZ_MODULE_OPTIONS, AUTHZ_OPTIONS } from './authz.constants.js';
import type { AuthzModuleOptions, ResolvedAuthzOptions } from './authz-options.interface.js';

export const {
  ConfigurableModuleClass: AuthzConfigurableModule,
  OPTIONS_TYPE: AUTHZ_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTHZ_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthzModuleOptions>({
  optionsInjectionToken: AUTHZ_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthzOptions')
  .build();

/**
 * Injects the {@link ResolvedAuthzOptions}: the options given to `AuthzModule.forRoot` or
 * `forRootAsync`, validated, with the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectAuthzOptions() options: ResolvedAuthzOptions) {}
 * ```
 */
export const InjectAuthzOptions = (): ParameterDecorator => Inject(AUTHZ_OPTIONS);
