/**
 * Prometheus metrics of the calls (`bulwark_client_*`), registered on a `prom-client` registry.
 * Kept apart from the main entry point so that an application without metrics loads no
 * `prom-client`.
 *
 * @packageDocumentation
 */
export { registerClientMetrics } from '../client-metrics.js';
