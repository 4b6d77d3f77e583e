/**
 * The parts of the conformance suite: the hints that make up `ConformanceHints`, its categories,
 * the result's checks and the printed report.
 *
 * @packageDocumentation
 */
export type {
  AdminHint,
  ClientCertificateHint,
  ConformanceCategory,
  ConformanceMethod,
  MtlsHint,
  RateLimitHint,
  ResourceHint,
  RouteHint,
} from '../conformance-hints.interface.js';
export { CONFORMANCE_CATEGORIES } from '../conformance-hints.interface.js';
export { formatConformanceReport } from '../conformance-report.js';
export type { ConformanceCheck, ConformanceStatus } from '../conformance-result.interface.js';
