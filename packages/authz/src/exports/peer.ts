/**
 * Calls from other services: `@RequirePeer()` names the calling services a route allows (by the
 * peer identity of a client certificate `@bulwark/http` verified, or of a trusted mesh sidecar's
 * `x-forwarded-client-cert`), and `@CurrentPeer()` gives a handler that peer.
 *
 * @packageDocumentation
 */
export { CurrentPeer, RequirePeer } from '../authz.decorators.js';
