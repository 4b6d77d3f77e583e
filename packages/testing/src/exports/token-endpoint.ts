/**
 * The test issuer's token endpoint: client registrations, the faults it can be made to answer
 * with, and the record of every request it received.
 *
 * @packageDocumentation
 */
export type {
  TestClientRegistration,
  TokenAuthMethod,
  TokenEndpointFault,
  TokenRequestRecord,
} from '../token-endpoint.interface.js';
