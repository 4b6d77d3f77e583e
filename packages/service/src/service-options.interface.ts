import type { AuthModuleOptions } from '@bulwark/auth';
import type { AuthzModuleOptions } from '@bulwark/authz';
import type { Environment } from '@bulwark/core/env';
import type { HealthModuleOptions } from '@bulwark/health';
import type { HttpAdapterName, SecurityOptions } from '@bulwark/http';
import type { LoggingModuleOptions } from '@bulwark/logging';
import type { MetricsModuleOptions } from '@bulwark/metrics';
import type { RateLimitModuleOptions } from '@bulwark/rate-limit';
import type { ShutdownModuleOptions } from '@bulwark/shutdown';
import type { TracingModuleOptions } from '@bulwark/tracing';

/**
 * Options of {@link BulwarkModule} and {@link createService}. Everything defaults from the
 * environment variables of the generated-service contract; each field overrides one package's
 * options, and `false` leaves an optional control out.
 */
export interface BulwarkServiceOptions {
  /**
   * The environment the defaults are read from.
   * @default process.env
   */
  env?: Environment;
  /** `@bulwark/auth` options. @default authOptionsFromEnv(env) */
  auth?: AuthModuleOptions;
  /** `@bulwark/rate-limit` options, merged over the environment defaults. @default {} */
  rateLimit?: RateLimitModuleOptions;
  /** `@bulwark/authz` options. @default {} */
  authz?: AuthzModuleOptions;
  /** `@bulwark/logging` options. @default {} */
  logging?: LoggingModuleOptions;
  /** `@bulwark/health` options. @default {} */
  health?: HealthModuleOptions;
  /** `@bulwark/shutdown` options, or `false` to leave signal handling to you. @default {} */
  shutdown?: ShutdownModuleOptions | false;
  /** `@bulwark/metrics` options (`METRICS_PORT`), or `false` for no metrics listener. @default {} */
  metrics?: MetricsModuleOptions | false;
  /** `@bulwark/tracing` options, or `false`. The SDK itself starts from the preload. @default {} */
  tracing?: TracingModuleOptions | false;
}

/** Options of {@link createService}: the module options plus the HTTP hardening. */
export interface CreateServiceOptions extends BulwarkServiceOptions {
  /**
   * The HTTP adapter.
   * @default 'fastify'
   */
  adapter?: HttpAdapterName;
  /** `@bulwark/http` hardening options (CORS, trusted proxies, body limits, timeouts). */
  security?: Omit<SecurityOptions, 'env' | 'validation'>;
}
