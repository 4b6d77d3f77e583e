import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type {
  RateLimitModuleOptions,
  ResolvedRateLimitOptions,
} from './rate-limit-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableRateLimitModule,
  MODULE_OPTIONS_TOKEN: RATE_LIMIT_OPTIONS,
  OPTIONS_TYPE: RATE_LIMIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RATE_LIMIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RateLimitModuleOptions>({
  optionsInjectionToken: 'BULWARK_RATE_LIMIT:OPTIONS',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRateLimitOptions')
  .build();

/** The token of the validated options, built from {@link RATE_LIMIT_OPTIONS} once. */
export const RESOLVED_RATE_LIMIT_OPTIONS = 'BULWARK_RATE_LIMIT:RESOLVED_OPTIONS';

/**
 * Injects the {@link ResolvedRateLimitOptions}: the options given to `RateLimitModule.forRoot`
 * or `forRootAsync`, validated, with the environment and the defaults applied.
 *
 * @example
 * ```ts
 * constructor(@InjectRateLimitOptions() options: ResolvedRateLimitOptions) {}
 * ```
 */
export const InjectRateLimitOptions = (): ParameterDecorator => Inject(RESOLVED_RATE_LIMIT_OPTIONS);
