import { AuthModule, authOptionsFromEnv } from '@bulwark/auth';
import { AuthzModule } from '@bulwark/authz';
import { BulwarkConfigError } from '@bulwark/core';
import { type Environment } from '@bulwark/core/env';
import { HealthModule } from '@bulwark/health';
import { LoggingModule } from '@bulwark/logging';
import { MetricsModule } from '@bulwark/metrics';
import { RateLimitModule } from '@bulwark/rate-limit';
import { ShutdownModule } from '@bulwark/shutdown';
import { TracingModule } from '@bulwark/tracing';
import { type DynamicModule, Module } from '@nestjs/common';
import type { BulwarkServiceOptions } from './service-options.interface.js';

/** The `AuthModule` option each variable read by `authOptionsFromEnv` becomes. */
const AUTH_OPTION_VARIABLES: Readonly<Record<string, string>> = {
  algorithms: 'AUTH_ALGORITHMS',
  tokenTypes: 'AUTH_TOKEN_TYPES',
  clockToleranceSeconds: 'AUTH_CLOCK_TOLERANCE_SECONDS',
  issuer: 'AUTH_ISSUER',
  audience: 'AUTH_AUDIENCE',
  jwksUri: 'AUTH_JWKS_URL',
  allowHttpKeys: 'AUTH_ALLOW_HTTP_JWKS',
  jwksMaxStaleSeconds: 'AUTH_JWKS_MAX_STALE_SECONDS',
  devIssuer: 'AUTH_DEV_ISSUER_DIR',
  'dpop.mode': 'AUTH_DPOP',
  'dpop.maxAgeSeconds': 'AUTH_DPOP_MAX_AGE_SECONDS',
  'dpop.nonceKeyFile': 'AUTH_DPOP_NONCE_KEY_FILE',
};

/** Maps each option to its variable, when that variable is set. */
function setVariables(
  mapping: Readonly<Record<string, string>>,
  env: Environment,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(mapping).map(([option, variable]) => [
      option,
      env[variable]?.trim() ? variable : undefined,
    ]),
  );
}

/**
 * Every Bulwark control as one Nest module, with secure defaults from the environment.
 *
 * Authentication, rate limiting (keyed by the principal) and authorization (deny by default)
 * run in that order as the steps of `@bulwark/core`'s request pipeline, whatever the order of
 * the imports below (`test/import-order.e2e-spec.ts` checks the reverse order).
 *
 * @example
 * ```ts
 * @Module({ imports: [BulwarkModule.forRoot(), NotesModule] })
 * export class AppModule {}
 * ```
 */
@Module({})
export class BulwarkModule {
  /**
   * Registers logging, authentication, rate limiting, authorization, health probes, graceful
   * shutdown, metrics and tracing. Options are validated now: a wrong setting stops start-up
   * with a message naming the variable to set.
   */
  static forRoot(options: BulwarkServiceOptions = {}): DynamicModule {
    const env = options.env ?? process.env;
    const imports: DynamicModule[] = [
      LoggingModule.forRoot(options.logging ?? {}),
      options.auth
        ? AuthModule.forRoot(options.auth)
        : // An option that failed its check came from a variable: the error names the variable.
          BulwarkConfigError.namingVariables(setVariables(AUTH_OPTION_VARIABLES, env), () =>
            AuthModule.forRoot(authOptionsFromEnv(env)),
          ),
      RateLimitModule.forRoot({ env, ...options.rateLimit }),
      AuthzModule.forRoot(options.authz ?? {}),
      HealthModule.forRoot(options.health ?? {}),
    ];
    if (options.shutdown !== false)
      imports.push(ShutdownModule.forRoot({ env, ...options.shutdown }));
    if (options.metrics !== false) imports.push(MetricsModule.forRoot({ ...options.metrics }));
    if (options.tracing !== false) imports.push(TracingModule.forRoot({ ...options.tracing }));
    return { module: BulwarkModule, imports, exports: imports };
  }
}
