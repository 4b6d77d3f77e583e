/**
 * For packages that add a step to the guard pipeline (authentication → rate limit →
 * authorization): the pipeline module, route plans, route metadata and the failed-authentication
 * hand-over.
 *
 * @packageDocumentation
 */
export type { AuthFailureRefusal } from '../auth-failure-limit.js';
export { setAuthFailureRefusal, takeAuthFailureRefusal } from '../auth-failure-limit.js';
export type { AuthorizationCredentials } from '../authorization.js';
export { parseAuthorization } from '../authorization.js';
export type {
  PipelineStage,
  PipelineStep,
  RoutePipeline,
  RouteTarget,
} from '../request-pipeline.js';
export { PIPELINE_STAGES, PipelineRegistry, RoutePlans } from '../request-pipeline.js';
export { BulwarkPipelineModule, pipelineStep } from '../request-pipeline.module.js';
export { isPublicRoute, isRateLimitSkipped, ROUTE_METADATA } from '../route-metadata.js';
