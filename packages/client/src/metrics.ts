export { registerClientMetrics } from './client-metrics.js';
