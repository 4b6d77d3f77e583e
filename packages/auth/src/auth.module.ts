import { BulwarkPipelineModule, pipelineStep } from '@bulwark/core/pipeline';
import { type DynamicModule, Module } from '@nestjs/common';
import { AuthGuard } from './auth.guard.js';
import {
  type AUTH_OPTIONS_TYPE,
  ConfigurableAuthModule,
  RESOLVED_AUTH_OPTIONS,
} from './auth.module-definition.js';
import { AuthKeyStore } from './auth-key.store.js';
import { resolveAuthOptions } from './internal/resolve-options.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * JWT bearer authentication for every route: the `authentication` step of the request pipeline
 * (`BulwarkPipelineModule` of `@bulwark/core`), which runs before rate limiting and
 * authorization whatever the order of the imports. `TokenVerifier` and
 * `AuthKeyStore` are exported for other modules (authz, tests, health).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     AuthModule.forRoot({
 *       issuer: 'https://idp.example.com/',
 *       audience: 'orders-api',
 *       jwksUri: 'https://idp.example.com/.well-known/jwks.json',
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [BulwarkPipelineModule],
  providers: [
    AuthKeyStore,
    {
      provide: TokenVerifier,
      useFactory: (store: AuthKeyStore) => store.verifier,
      inject: [AuthKeyStore],
    },
    {
      provide: RESOLVED_AUTH_OPTIONS,
      useFactory: (verifier: TokenVerifier) => verifier.resolvedOptions,
      inject: [TokenVerifier],
    },
    AuthGuard,
    pipelineStep(AuthGuard, 'authentication'),
  ],
  exports: [AuthKeyStore, TokenVerifier, RESOLVED_AUTH_OPTIONS],
})
export class AuthModule extends ConfigurableAuthModule {
  /**
   * Registers the module with options validated now: a wrong option throws a
   * `BulwarkConfigError` naming it before the app is created.
   */
  static override forRoot(options: typeof AUTH_OPTIONS_TYPE): DynamicModule {
    resolveAuthOptions(options);
    return super.forRoot(options);
  }
}
