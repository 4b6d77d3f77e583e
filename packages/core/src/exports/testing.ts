/**
 * The leak detector used by the conformance suite and the packages' tests: finds stack frames,
 * file paths, SQL and internal addresses in a response.
 *
 * @packageDocumentation
 */
export type { Leak, LeakKind } from '../leak-detector.js';
export { detectLeaks } from '../leak-detector.js';
