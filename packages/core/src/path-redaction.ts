import { REDACTED } from './secret-scrubber.js';

/** Path segments longer than this many characters are hidden where a path is logged or exported. */
export const MAX_PATH_SEGMENT_LENGTH = 32;

const SLASH = 47;

/**
 * `path` with every segment longer than 32 characters replaced by `[REDACTED]`. Password-reset
 * links, magic links and API tokens travel in paths, while ids, slugs and versions are shorter
 * and stay readable. Pass the path without its query string. `@bulwark/errors` logs the path of
 * a request no route matched this way, and `@bulwark/tracing` exports `url.path` this way.
 *
 * @example
 * ```ts
 * redactLongPathSegments('/reset/3q2+7w…(43 characters)/confirm'); // '/reset/[REDACTED]/confirm'
 * redactLongPathSegments('/v1/notes/42'); // '/v1/notes/42', the same string
 * ```
 */
export function redactLongPathSegments(path: string): string {
  if (path.length <= MAX_PATH_SEGMENT_LENGTH) return path;
  // Most paths have no long segment: find one before splitting, so they cost one scan.
  let start = 0;
  let long = false;
  for (let index = 0; index <= path.length; index += 1) {
    if (index === path.length || path.charCodeAt(index) === SLASH) {
      if (index - start > MAX_PATH_SEGMENT_LENGTH) {
        long = true;
        break;
      }
      start = index + 1;
    }
  }
  if (!long) return path;
  return path
    .split('/')
    .map((segment) => (segment.length > MAX_PATH_SEGMENT_LENGTH ? REDACTED : segment))
    .join('/');
}
