import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { AuthModuleOptions } from './auth-options.interface.js';
import type { ResolvedAuthOptions } from './internal/resolve-options.js';

/** The options as `@InjectAuthOptions()` gives them: validated, with every default applied. */
export type { ResolvedAuthOptions };

/** Injection token of the raw {@link AuthModuleOptions} given to `forRoot`/`forRootAsync`. */
export const AUTH_OPTIONS = 'BULWARK_AUTH:OPTIONS';

/**
 * Injection token of the resolved options: the ones `TokenVerifier` resolved once from
 * {@link AUTH_OPTIONS}.
 */
export const RESOLVED_AUTH_OPTIONS = 'BULWARK_AUTH:RESOLVED_OPTIONS';

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AuthModuleOptions>({ optionsInjectionToken: AUTH_OPTIONS })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createAuthOptions')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** What `AuthModule.forRoot` takes: the options, plus `isGlobal` (default `true`). */
export type AuthModuleForRootOptions = typeof OPTIONS_TYPE;
/** What `AuthModule.forRootAsync` takes: `useFactory` + `inject`, `useClass` or `useExisting`. */
export type AuthModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

/**
 * Injects the resolved options (`ResolvedAuthOptions`): the options given to
 * `AuthModule.forRoot` or `forRootAsync`, validated, with the environment and the defaults
 * applied, exactly as the `TokenVerifier` uses them.
 *
 * @example
 * ```ts
 * constructor(@InjectAuthOptions() private readonly options: ResolvedAuthOptions) {}
 * ```
 */
export function InjectAuthOptions(): ParameterDecorator {
  return Inject(RESOLVED_AUTH_OPTIONS);
}
