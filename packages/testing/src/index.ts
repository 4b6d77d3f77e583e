// biome-ignore-all assist/source/organizeImports: the exports are grouped by area (CONTRIBUTING.md, "The public API")
/**
 * `@bulwark/testing`: what an application's test suite calls or types: the test issuer, the test CA,
 * the conformance suite and the error class. DPoP proofs, hand-made and attack tokens, the
 * conformance suite's parts and the token endpoint's records are in the subpath entry points
 * (`@bulwark/testing/dpop`, `/tokens`, `/conformance`, `/token-endpoint`), listed in the README.
 *
 * @packageDocumentation
 */

// Test issuer
export { createTestIssuer } from './test-issuer.js';
export type { MintOptions, TestIssuer, TestIssuerOptions } from './test-issuer.js';

// Test CA
export { createTestCa } from './test-ca.js';
export type { IssuedCertificate, IssueOptions, TestCa, TestCaOptions } from './test-ca.js';

// Conformance suite
export { runConformance } from './run-conformance.js';
export { assertConformance } from './conformance-report.js';
export type { ConformanceHints } from './conformance-hints.interface.js';
export type { ConformanceResult } from './conformance-result.interface.js';

// Errors
export { TestingError } from './testing.error.js';
export type { TestingErrorCode } from './testing.error.js';
