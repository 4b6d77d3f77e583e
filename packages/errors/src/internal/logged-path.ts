import { rawRequest } from '@bulwark/core/request';
import { redactLongPathSegments, resolveRouteTemplate } from '@bulwark/core/routes';

const MAX_PATH = 512;

function requestUrl(request: unknown): string {
  return (request as { originalUrl?: string }).originalUrl ?? rawRequest(request).url ?? '/';
}

/** The request's path as sent, without the query string. */
export function requestPath(request: unknown): string {
  const url = requestUrl(request);
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The path to write to the log for a request: the matched route template (`/reset/:token`),
 * or, when no route matched, the path without its query string and with every segment longer
 * than 32 characters replaced by a marker. Password-reset links, magic-link and API tokens
 * travel in paths; a template or a marker keeps them out of the log.
 */
export function loggedPath(request: unknown): string {
  const template = resolveRouteTemplate(request);
  if (template !== undefined && template !== '*' && template !== '/*') return template;
  const path = redactLongPathSegments(requestPath(request));
  return path.length > MAX_PATH ? path.slice(0, MAX_PATH) : path;
}

/**
 * `text` with the request's URL, and its path where that differs from `logged`, replaced by
 * `logged`. Nest's not-found message (`Cannot GET /reset/<token>?sig=…`) quotes the URL.
 */
export function withoutRequestUrl(text: string, request: unknown, logged: string): string {
  const url = requestUrl(request);
  const path = requestPath(request);
  let out = text;
  if (url !== path && out.includes(url)) out = out.split(url).join(logged);
  if (path !== logged && out.includes(path)) out = out.split(path).join(logged);
  return out;
}
