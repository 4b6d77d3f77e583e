/**
 * `useRequestIds()`: the request-id stage on its own, which `ErrorsModule` and
 * `applyErrorHandling()` install (with `requestIds`, on by default).
 *
 * @packageDocumentation
 */
export { useRequestIds } from '../request-id.js';
