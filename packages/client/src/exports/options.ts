/**
 * The named parts of `ServiceClientOptions` (each kind of authentication, TLS, timeouts, retries,
 * the breaker, dynamic hosts) and of `CallOptions` (method, query, response validator), for code
 * that builds them piece by piece.
 *
 * @packageDocumentation
 */
export type {
  ClientBreakerOptions,
  ClientCredentialsAuth,
  ClientRetryOptions,
  ClientTimeouts,
  ClientTlsOptions,
  DynamicHostsOptions,
  NoAuth,
  PropagateAuth,
  QueryParams,
  TokenExchangeAuth,
} from '../client-options.interface.js';
export type { ResponseClass, ResponseValidator } from '../response-validator.js';
export type { ServiceCallMethod } from '../service-client.js';
