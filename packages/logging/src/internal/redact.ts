import { REDACTED, scrubSecrets } from '@bulwark/core';

export { REDACTED };

const DEFAULT_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'x-api-key',
];

/** Longest string value kept in a line; longer ones are cut, so no field can flood the log. */
const MAX_STRING = 4096;
const MAX_DEPTH = 8;
const MAX_ITEMS = 100;

/** How many distinct field names the redactor remembers a verdict for; past it, it recomputes. */
const MAX_KEY_VERDICTS = 1024;

/**
 * Cuts a string to {@link MAX_STRING} characters. Secrets and tokens are hidden before the cut:
 * a cut through one would leave a prefix that the line scrubber no longer recognises (and
 * padding chosen by a caller could move the cut).
 */
export function boundString(value: string, hide: (text: string) => string): string {
  if (value.length <= MAX_STRING) return value;
  const hidden = hide(value);
  return hidden.length > MAX_STRING ? `${hidden.slice(0, MAX_STRING)}…[truncated]` : hidden;
}

/**
 * Copies a log object with sensitive keys redacted, errors turned into plain fields, strings
 * cut to a bounded length (after `hide` replaced secrets in them) and nesting bounded. Cycles
 * end as `[Circular]`. A plain object in which nothing needs changing is returned as it is
 * rather than copied: the line it serialises to is the same, and most lines (the access line
 * above all) are such objects.
 */
export function createKeyRedactor(
  extraKeys: readonly string[],
  hide: (text: string) => string = (text) => text,
): (value: unknown) => unknown {
  const keys = new Set([...DEFAULT_KEYS, ...extraKeys].map((key) => key.toLowerCase()));
  const verdicts = new Map<string, boolean>();
  const isSensitive = (key: string): boolean => {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = keys.has(key.toLowerCase());
      if (verdicts.size < MAX_KEY_VERDICTS) verdicts.set(key, verdict);
    }
    return verdict;
  };
  const visit = (value: unknown, depth: number, seen: Set<object>): unknown => {
    if (typeof value === 'string') return boundString(value, hide);
    if (typeof value === 'bigint') return value.toString();
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    seen.add(value);
    try {
      if (value instanceof Error) {
        return visit(
          { type: value.name, message: value.message, stack: value.stack, cause: value.cause },
          depth,
          seen,
        );
      }
      if (Array.isArray(value)) {
        return value.slice(0, MAX_ITEMS).map((item) => visit(item, depth + 1, seen));
      }
      if (value instanceof Date) return value.toISOString();
      const source = value as Record<string, unknown>;
      const names = Object.keys(source);
      // Only an object whose prototype is Object's (or none) serialises like its copy: any
      // other may have a toJSON or a class the copy drops.
      const proto = Object.getPrototypeOf(source);
      let copy: Record<string, unknown> | undefined =
        proto === Object.prototype || proto === null ? undefined : {};
      for (let i = 0; i < names.length; i++) {
        const key = names[i] as string;
        const item = source[key];
        const kept = isSensitive(key) ? REDACTED : visit(item, depth + 1, seen);
        if (copy === undefined && kept !== item) {
          copy = {};
          // Visited again rather than reused: a getter may answer differently the second time.
          for (let j = 0; j < i; j++) {
            const earlier = names[j] as string;
            copy[earlier] = isSensitive(earlier)
              ? REDACTED
              : visit(source[earlier], depth + 1, seen);
          }
        }
        if (copy !== undefined) copy[key] = kept;
      }
      return copy ?? source;
    } finally {
      seen.delete(value);
    }
  };
  return (value) => visit(value, 0, new Set());
}

/**
 * The last pass over each serialised line: registered secret values and token shapes are
 * replaced (core's `scrubSecrets`, the scrubber exported spans go through too), and
 * U+2028/U+2029, which some log viewers treat as line breaks, are escaped.
 */
export function createLineScrubber(): {
  scrub: (line: string) => string;
  hide: (text: string) => string;
} {
  const scrub = (line: string): string =>
    scrubSecrets(line)
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029');
  return { scrub, hide: scrubSecrets };
}
