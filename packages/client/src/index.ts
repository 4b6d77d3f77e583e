// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/client`: what an application calls or types to call other services. The named parts
 * of `ServiceClientOptions` and `CallOptions` are in `@bulwark/client/options`, the Prometheus
 * metrics in `@bulwark/client/metrics`, listed in the README.
 *
 * @packageDocumentation
 */

// Module
export { ClientModule } from './client.module.js';
export type { ClientModuleAsyncOptions } from './client.module.js';
export { InjectServiceClient, serviceClientToken } from './client.constants.js';
export type { ClientAuthOptions, ServiceClientOptions } from './client-options.interface.js';

// Calls
export type { CallOptions, ServiceResponse } from './service-client.js';
export { createServiceClient, ServiceClient } from './service-client.js';

// Errors
export type { ServiceCallFailure, ServiceCallReason } from './client.error.js';
export { ServiceCallError } from './client.error.js';
