/**
 * Scoping lists to the caller: `scopeQuery` (the owner and tenant filter to merge into a query) and
 * `scopeList` (an in-memory list filtered the same way).
 *
 * @packageDocumentation
 */
export type { ListScope } from '../query-scope.js';
export { scopeList, scopeQuery } from '../query-scope.js';
