/**
 * The process-wide record of served TLS certificates and reload failures, read by metrics and
 * health.
 *
 * @packageDocumentation
 */
export type { TlsCertificateStatus } from '../tls-status.js';
export {
  countTlsReloadFailure,
  reportTlsCertificates,
  tlsCertificates,
  tlsReloadFailures,
  withdrawTlsCertificates,
} from '../tls-status.js';
