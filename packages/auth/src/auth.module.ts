import { BulwarkPipelineModule, pipelineStep } from '@bulwark/core';
import { ConfigurableModuleBuilder, type DynamicModule, Module } from '@nestjs/common';
import { AUTH_OPTIONS } from './auth.constants.js';
import { AuthGuard } from './auth.guard.js';
import { AuthKeyStore } from './auth-key.store.js';
import type { AuthModuleOptions } from './auth-options.interface.js';
import { resolveAuthOptions } from './internal/resolve-options.js';
import { TokenVerifier } from './token-verifier.js';

const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
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
    AuthGuard,
    pipelineStep(AuthGuard, 'authentication'),
  ],
  exports: [AuthKeyStore, TokenVerifier, AUTH_OPTIONS],
})
export class AuthModule extends ConfigurableModuleClass {
  /**
   * Registers the module with options validated now: a wrong option throws a
   * `BulwarkConfigError` naming it before the app is created.
   */
  static override forRoot(options: AuthModuleForRootOptions): DynamicModule {
    resolveAuthOptions(options);
    return super.forRoot(options);
  }
}
