/**
 * Reading the environment: typed getters that refuse a malformed value with a
 * `BulwarkConfigError` naming the variable.
 *
 * @packageDocumentation
 */
export type { Environment } from '../env.js';
export { envBool, envInt, envList, envString, isProduction } from '../env.js';
