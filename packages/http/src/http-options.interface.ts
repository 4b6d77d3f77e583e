import type { Environment } from '@bulwark/core/env';
import type { ClientAddressResolver, TrustProxy } from '@bulwark/core/peer';
import type { StrictValidationOptions } from '@bulwark/errors';
import type { LoggerService, LogLevel } from '@nestjs/common';

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
   * The global `StrictValidationPipe` of `@bulwark/errors`: `true`, its options, or `false` for
   * none. Installed here with no protected fields and `maxJsonDepth` unless the options say
   * otherwise (`AuthzModule` installs it with its protected fields).
   * @default true
   */
  validation?: boolean | StrictValidationOptions;
  /**
   * TLS on the main listener, from PEM files reloaded when they change; `false` for plain HTTP
   * (TLS ends at the ingress or the mesh). Only `createSecureApp` can serve it: `applySecurity`
   * refuses an app whose server is not a TLS server.
   * @default from `TLS_CERT_FILE`, `TLS_KEY_FILE`, `TLS_CLIENT_CA_FILE`, `TLS_CLIENT_AUTH`; off when
   * `TLS_CERT_FILE` and `TLS_KEY_FILE` are unset
   */
  tls?: TlsOptions | false;
  /**
   * The header a mesh sidecar (Envoy) passes the client certificate it verified in, in Envoy's
   * `x-forwarded-client-cert` format. Believed only from a `trustProxy` peer, nearest element
   * only; `false` never reads one.
   * @default `PEER_IDENTITY_HEADER`, else `false`
   */
  peerIdentityHeader?: string | false;
  /**
   * Where options not given are read from.
   * @default process.env
   */
  env?: Environment;
}

/** Whether a client certificate is needed: `required` (401 without one) or `optional`. */
export type ClientAuthMode = 'required' | 'optional';

/**
 * TLS for the main listener. TLS 1.2 is the minimum, 1.3 is preferred, and the cipher suites are
 * {@link MODERN_TLS_CIPHERS}. The files are polled and, when their content changes, validated and
 * used for new handshakes; a replacement that does not parse, or whose key does not match its
 * certificate, is refused and the previous material stays in use.
 *
 * @example
 * ```ts
 * createSecureApp(AppModule, {
 *   tls: { certFile: '/etc/tls/tls.crt', keyFile: '/etc/tls/tls.key', clientCaFile: '/etc/tls/ca.crt' },
 * });
 * ```
 */
export interface TlsOptions {
  /** PEM certificate, optionally followed by its intermediates. `TLS_CERT_FILE`. */
  certFile: string;
  /** PEM private key of the certificate. `TLS_KEY_FILE`. */
  keyFile: string;
  /**
   * PEM bundle of the CAs client certificates are verified against. Set: mutual TLS.
   * `TLS_CLIENT_CA_FILE`.
   * @default none: no client certificate is requested
   */
  clientCaFile?: string;
  /**
   * With `clientCaFile`: `required` answers 401 to every request without a verified client
   * certificate except on `exemptPaths`; `optional` lets requests without one through without a
   * peer. A certificate presented but not verified is refused in both modes. `TLS_CLIENT_AUTH`.
   * @default 'required'
   */
  clientAuth?: ClientAuthMode;
  /**
   * Paths reachable without a client certificate: the probes, since kubelet cannot present one.
   * Matched exactly against the path without its query; an entry ending in `/` matches every path
   * under it. Keep the list exact: a prefix such as `/health/` would also exempt a route with a
   * leading parameter (`/:tenant/:id`) requested as `/health/x`.
   * @default ['/health/live', '/health/ready', '/health/startup']
   */
  exemptPaths?: readonly string[];
  /**
   * How often the files are checked for new content, in ms (from 100 to 10000).
   * @default 2000
   */
  reloadIntervalMs?: number;
}

/** {@link TlsOptions} after defaults and validation, with the setting each path came from. */
export interface ResolvedTlsOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | undefined;
  readonly clientAuth: ClientAuthMode;
  readonly exemptPaths: readonly string[];
  readonly reloadIntervalMs: number;
  /** The option or variable names, for error messages: `TLS_CERT_FILE` or `tls.certFile`… */
  readonly settings: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile: string;
  };
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
  readonly validation: boolean | StrictValidationOptions;
  /** TLS on the listener, or `undefined` for plain HTTP. */
  readonly tls: ResolvedTlsOptions | undefined;
  /** The lowercase name of the trusted peer-identity header, or `undefined`. */
  readonly peerIdentityHeader: string | undefined;
  /** The client-address resolver for this trusted-proxy setting; share it with the rate limiter. */
  readonly clientAddresses: ClientAddressResolver;
}
