export type { AuthFailureRefusal } from './auth-failure-limit.js';
export { setAuthFailureRefusal, takeAuthFailureRefusal } from './auth-failure-limit.js';
export type { AuthorizationCredentials } from './authorization.js';
export { parseAuthorization } from './authorization.js';
export { readBodyAtMost } from './bounded-body.js';
export { BulwarkConfigError, BulwarkError } from './bulwark-error.js';
export type { TrustProxy } from './client-address.js';
export {
  ClientAddressResolver,
  normalizeAddress,
  parseTrustProxy,
  UNKNOWN_CLIENT_ADDRESS,
} from './client-address.js';
export type { Environment } from './env.js';
export { envBool, envInt, envList, envString, isProduction } from './env.js';
export type { ExceptionMapper } from './exception-mappers.js';
export { mapException, registerExceptionMapper } from './exception-mappers.js';
export type {
  ForwardedClientCert,
  ForwardedClientCertErrorCode,
} from './forwarded-client-cert.js';
export {
  ForwardedClientCertError,
  parseForwardedClientCert,
  peerFromForwardedClientCert,
} from './forwarded-client-cert.js';
export type { Leak, LeakKind } from './leak-detector.js';
export { detectLeaks } from './leak-detector.js';
export type { MetricsProvider, MetricsSourceRegistry } from './metrics-source.js';
export { METRICS_SOURCE, MetricsSource } from './metrics-source.js';
export { MAX_PATH_SEGMENT_LENGTH, redactLongPathSegments } from './path-redaction.js';
export type { Peer } from './peer.js';
export { getPeer, peerFromCertificate, peerId, peerThumbprint, setPeer } from './peer.js';
export type { Principal } from './principal.js';
export { getPrincipal, principalId, setPrincipal } from './principal.js';
export type { ProblemDetails, ProblemInit } from './problem.js';
export { PROBLEM_TYPE_BASE, ProblemException, problemType } from './problem.js';
export type {
  AuthChallenge,
  ChallengeParams,
  ProblemKind,
  ProblemOptions,
} from './problem-catalog.js';
export { problem, problemForStatus, setAuthChallenge } from './problem-catalog.js';
export {
  logCorrelation,
  onSecretRegistered,
  registeredSecretValues,
  registerSecretValue,
  setLogCorrelation,
} from './process-registry.js';
export type { ReadinessCheck, ReadinessResult } from './readiness.js';
export { READINESS_INDICATOR, ReadinessIndicator } from './readiness.js';
export {
  assignRequestId,
  getRequestId,
  getRouteTemplate,
  HTTP_METHODS,
  isSaneRequestId,
  REQUEST_ID_HEADER,
  rawRequest,
  rawResponse,
  resolveRouteTemplate,
  setRequestId,
  setResponseHeader,
  setRouteTemplate,
  UNMATCHED_ROUTE,
} from './request-context.js';
export type { RequestHook, RequestStage, RequestStep } from './request-hooks.js';
export { addRequestStep, appendRequestHook, REQUEST_STAGES } from './request-hooks.js';
export type {
  PipelineStage,
  PipelineStep,
  RoutePipeline,
  RouteTarget,
} from './request-pipeline.js';
export { PIPELINE_STAGES, PipelineRegistry, RoutePlans } from './request-pipeline.js';
export { BulwarkPipelineModule, pipelineStep } from './request-pipeline.module.js';
export { isPublicRoute, isRateLimitSkipped, Public, ROUTE_METADATA } from './route-metadata.js';
export type { AdapterLike } from './route-templates.js';
export { recordRouteTemplates } from './route-templates.js';
export { REDACTED, scrubSecrets } from './secret-scrubber.js';
export type { SecurityEvent, SecurityEventKind } from './security-events.js';
export {
  publishSecurityEvent,
  SECURITY_EVENTS_CHANNEL,
  subscribeSecurityEvents,
} from './security-events.js';
export type { ShutdownHandler, ShutdownHookMetadata } from './shutdown-hook.js';
export { SHUTDOWN_HOOK, ShutdownHook } from './shutdown-hook.js';
export type { TlsCertificateStatus } from './tls-status.js';
export {
  countTlsReloadFailure,
  reportTlsCertificates,
  tlsCertificates,
  tlsReloadFailures,
  withdrawTlsCertificates,
} from './tls-status.js';
