/**
 * Route templates (`/notes/:id`) for logs, metrics and traces, and the redaction of long path
 * segments.
 *
 * @packageDocumentation
 */
export { MAX_PATH_SEGMENT_LENGTH, redactLongPathSegments } from '../path-redaction.js';
export {
  getRouteTemplate,
  HTTP_METHODS,
  resolveRouteTemplate,
  setRouteTemplate,
  UNMATCHED_ROUTE,
} from '../request-context.js';
export type { AdapterLike } from '../route-templates.js';
export { recordRouteTemplates } from '../route-templates.js';
