import { BulwarkPipelineModule, pipelineStep } from '@bulwark/core/pipeline';
import { StrictValidationPipe } from '@bulwark/errors';
import { type DynamicModule, Module, type PipeTransform } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { AuthzGuard } from './authz.guard.js';
import {
  AUTHZ_ASYNC_OPTIONS_TYPE,
  AUTHZ_OPTIONS_TYPE,
  AuthzConfigurableModule,
  RESOLVED_AUTHZ_OPTIONS,
  resolvedAuthzOptionsProvider,
} from './authz.module-definition.js';
import type { ResolvedAuthzOptions } from './authz-options.interface.js';
import { resolveAuthzOptions } from './internal/options.js';
import { RouteAuditor } from './internal/route-auditor.js';
import { SerializedRoutes } from './internal/serialized-routes.js';

const passThrough: PipeTransform = { transform: (value: unknown) => value };

/**
 * Function-, object- and property-level authorization, deny by default.
 *
 * Registers, globally: {@link AuthzGuard} as the `authorization` step of the request pipeline
 * (`BulwarkPipelineModule` of `@bulwark/core`), the start-up route audit and the
 * {@link StrictValidationPipe}; no interceptor (`@Serialize()` projects in the handler). The step
 * runs after `@bulwark/auth`'s authentication whatever the order of the imports; without a
 * principal, every non-public route answers 401 (fail closed).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     AuthModule.forRoot({ issuer, audience, jwksUri }),
 *     AuthzModule.forRoot({ permissions: { admin: ['notes:purge'] } }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [BulwarkPipelineModule],
  providers: [
    resolvedAuthzOptionsProvider,
    AuthzGuard,
    pipelineStep(AuthzGuard, 'authorization'),
    {
      provide: APP_PIPE,
      useFactory: (options: ResolvedAuthzOptions) =>
        options.validation === false ? passThrough : new StrictValidationPipe(options.validation),
      inject: [RESOLVED_AUTHZ_OPTIONS],
    },
    SerializedRoutes,
    RouteAuditor,
  ],
  exports: [RESOLVED_AUTHZ_OPTIONS],
})
export class AuthzModule extends AuthzConfigurableModule {
  /**
   * Registers the module with options known now; they are validated immediately.
   * @example
   * ```ts
   * AuthzModule.forRoot({ objectDenialStatus: 404 })
   * ```
   */
  static override forRoot(options: typeof AUTHZ_OPTIONS_TYPE = {}): DynamicModule {
    resolveAuthzOptions(options);
    return super.forRoot(options);
  }

  /**
   * Registers the module with options from a factory, a class or an existing provider.
   * @example
   * ```ts
   * AuthzModule.forRootAsync({
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ objectDenialStatus: config.get('AUTHZ_DENY_STATUS') }),
   * })
   * ```
   */
  static override forRootAsync(options: typeof AUTHZ_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
