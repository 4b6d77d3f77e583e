import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { AuthModuleOptions, ResolvedAuthOptions } from './auth-options.interface.js';

/** Injection token of the raw {@link AuthModuleOptions} given to `forRoot`/`forRootAsync`. */
export const AUTH_OPTIONS = 'BULWARK_AUTH:OPTIONS';

/**
 * Injection token of the {@link ResolvedAuthOptions}: the ones `TokenVerifier` resolved once
 * from {@link AUTH_OPTIONS}.
 */
export const RESOLVED_AUTH_OPTIONS = 'BULWARK_AUTH:RESOLVED_OPTIONS';

export const {
  ConfigurableModuleClass: ConfigurableAuthModule,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ optionsInjectionToken: AUTH_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/**
 * Injects the {@link ResolvedAuthOptions}: the options given to `AuthModule.forRoot` or
 * `forRootAsync`, validated, with the environment and the defaults applied, exactly as the
 * `TokenVerifier` uses them.
 *
 * @example
 * ```ts
 * constructor(@InjectAuthOptions() private readonly options: ResolvedAuthOptions) {}
 * ```
 */
export const InjectAuthOptions = (): ParameterDecorator => Inject(RESOLVED_AUTH_OPTIONS);
