// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")

// Module
export { ClientModule } from './client.module.js';
export type { ClientModuleAsyncOptions } from './client.module.js';
export { InjectServiceClient, serviceClientToken } from './client.constants.js';
export type {
  ClientAuthOptions,
  ClientBreakerOptions,
  ClientCredentialsAuth,
  ClientRetryOptions,
  ClientTimeouts,
  ClientTlsOptions,
  DynamicHostsOptions,
  NoAuth,
  PropagateAuth,
  QueryParams,
  ServiceClientOptions,
  TokenExchangeAuth,
} from './client-options.interface.js';

// Calls
export type {
  CallOptions,
  ServiceCallMethod,
  ServiceResponse,
} from './service-client.js';
export { createServiceClient, ServiceClient } from './service-client.js';
export type { ResponseClass, ResponseValidator } from './response-validator.js';

// Errors
export type { ServiceCallFailure, ServiceCallReason } from './client.error.js';
export { ServiceCallError } from './client.error.js';
