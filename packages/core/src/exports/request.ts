/**
 * For packages that read or write the per-request context (raw request and response, request
 * id, principal, peer, log correlation) or add a request hook.
 *
 * @packageDocumentation
 */
export { readBodyAtMost } from '../bounded-body.js';
export { setPeer } from '../peer.js';
export { principalId, setPrincipal } from '../principal.js';
export { logCorrelation, setLogCorrelation } from '../process-registry.js';
export {
  assignRequestId,
  isSaneRequestId,
  REQUEST_ID_HEADER,
  rawRequest,
  rawResponse,
  setRequestId,
} from '../request-context.js';
export type { RequestHook, RequestStage, RequestStep } from '../request-hooks.js';
export { addRequestStep, appendRequestHook, REQUEST_STAGES } from '../request-hooks.js';
