import type { QueryParams } from '../client-options.interface.js';

/** Why a path was refused, for the error message. */
export class RefusedPath extends Error {}

// Percent-encoded dot, slash and backslash: a server that decodes once more would climb or
// switch segments after our check (and `%2e%2e` is already `..` to the URL parser).
const ENCODED_SEPARATOR = /%(2e|2f|5c)/i;
function hasControl(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Joins a relative path to the base URL and proves the result stays on the base's origin and
 * under its path. Refuses anything that could change the scheme, host or port: an absolute URL,
 * `//host`, backslashes, control characters, encoded separators and dot segments that climb
 * above the base path.
 */
export function joinPath(base: URL, path: string, query?: QueryParams): URL {
  if (typeof path !== 'string') throw new RefusedPath('the path must be a string');
  if (hasControl(path)) throw new RefusedPath('the path holds a control character');
  if (path.includes('\\')) throw new RefusedPath('the path holds a backslash');
  if (SCHEME.test(path)) throw new RefusedPath('the path is an absolute URL');
  if (path.startsWith('//')) throw new RefusedPath('the path starts with //');
  if (ENCODED_SEPARATOR.test(path)) {
    throw new RefusedPath('the path holds an encoded dot, slash or backslash');
  }
  const { origin, basePath } = baseParts(base);
  const relative = path.startsWith('/') ? path.slice(1) : path;
  const url = new URL(`${origin}${basePath}${relative}`);
  if (url.origin !== origin) throw new RefusedPath('the path changes the origin');
  if (url.username !== '' || url.password !== '') {
    throw new RefusedPath('the path adds credentials to the URL');
  }
  if (!`${url.pathname}/`.startsWith(basePath)) {
    throw new RefusedPath('the path climbs above the base path');
  }
  // Setting the fragment re-serializes the whole URL: only when there is one.
  if (url.hash !== '') url.hash = '';
  appendQuery(url, query);
  return url;
}

const parts = new WeakMap<URL, { origin: string; basePath: string; href: string }>();

/** The base's origin and directory path, worked out once per base URL (and again if it changed). */
function baseParts(base: URL): { origin: string; basePath: string } {
  const known = parts.get(base);
  if (known !== undefined && known.href === base.href) return known;
  const pathname = base.pathname;
  const made = {
    origin: base.origin,
    basePath: pathname.endsWith('/') ? pathname : `${pathname}/`,
    href: base.href,
  };
  parts.set(base, made);
  return made;
}

/** Adds query parameters, skipping `undefined`. */
export function appendQuery(url: URL, query: QueryParams | undefined): void {
  if (!query) return;
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const entry of values) url.searchParams.append(name, String(entry));
  }
}
