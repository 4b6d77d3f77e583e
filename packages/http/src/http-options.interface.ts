import type { ClientAddressResolver, Environment, TrustProxy } from '@bulwark/core';
import type { LoggerService, LogLevel, ValidationPipeOptions } from '@nestjs/common';

/** The HTTP adapters `@bulwark/http` runs on. */
export type HttpAdapterName = 'fastify' | 'express';

/**
 * Options of `applySecurity()`. Each one left out is read from its environment variable, then
 * falls back to its default.
 *
 * @example
 * ```ts
 * applySecurity(app, { corsOrigins: ['https://app.example.com'], trustProxy: 1 });
 * ```
 */
export interface SecurityOptions {
  /**
   * Origins allowed to call the API from a browser, as `scheme://host[:port]`. Empty: no CORS
   * headers at all. `*` is accepted only without `corsCredentials`; `null` never.
   * @default the comma-separated `CORS_ORIGINS` variable, else `[]`
   */
  corsOrigins?: readonly string[];
  /**
   * Let browsers send cookies or HTTP authentication cross-origin.
   * @default false
   */
  corsCredentials?: boolean;
  /**
   * Proxies whose `X-Forwarded-For` is believed: `false`, a hop count, or addresses/CIDRs
   * (`loopback`, `linklocal`, `uniquelocal` allowed). Share the returned `clientAddresses`
   * resolver with the rate limiter.
   * @default `TRUST_PROXY` parsed by core's `parseTrustProxy`, else `false`
   */
  trustProxy?: TrustProxy;
  /**
   * Largest request body in bytes; larger ones get 413.
   * @default `BODY_LIMIT_BYTES`, else 102400
   */
  bodyLimitBytes?: number;
  /**
   * Deepest JSON nesting accepted.
   * @default 32
   */
  maxJsonDepth?: number;
  /**
   * Longest JSON array accepted.
   * @default 1000
   */
  maxJsonArrayLength?: number;
  /**
   * How long an idle keep-alive connection stays open, in ms. Behind a load balancer, set it
   * above the balancer's idle timeout.
   * @default 5000
   */
  keepAliveTimeoutMs?: number;
  /**
   * How long a client may take to send the request headers, in ms (slowloris).
   * @default 10000
   */
  headersTimeoutMs?: number;
  /**
   * How long a client may take to send the whole request, in ms.
   * @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * The global validation pipe: `true`, `ValidationPipe` options over Bulwark's defaults, or
   * `false` for none.
   * @default true
   */
  validation?: boolean | ValidationPipeOptions;
  /**
   * Where options not given are read from.
   * @default process.env
   */
  env?: Environment;
}

/**
 * Options of `createSecureApp()`: the security options plus how the app is created.
 *
 * @example
 * ```ts
 * const app = await createSecureApp(AppModule, { adapter: 'express', logger: new BulwarkLogger(createLogger()) });
 * ```
 */
export interface SecureAppOptions extends SecurityOptions {
  /**
   * The HTTP adapter.
   * @default 'fastify'
   */
  adapter?: HttpAdapterName;
  /**
   * Nest's logger: a `LoggerService` (such as `@bulwark/logging`'s `BulwarkLogger`), levels, or
   * `false` for none.
   * @default Nest's console logger
   */
  logger?: LoggerService | LogLevel[] | false;
}

/** {@link SecurityOptions} after defaults and validation. */
export interface ResolvedSecurityOptions {
  readonly corsOrigins: readonly string[];
  readonly corsCredentials: boolean;
  readonly trustProxy: TrustProxy;
  readonly bodyLimitBytes: number;
  readonly maxJsonDepth: number;
  readonly maxJsonArrayLength: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly validation: boolean | ValidationPipeOptions;
  /** The client-address resolver for this trusted-proxy setting; share it with the rate limiter. */
  readonly clientAddresses: ClientAddressResolver;
}
