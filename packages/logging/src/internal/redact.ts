import { REDACTED, scrubSecrets } from '@bulwark/core/redaction';

export { REDACTED };

/**
 * Fragments of field names whose values are secret, matched anywhere in a name, ignoring case
 * and the separators `-` and `_`: `newPassword`, `client_secret`, `x-auth-token`, `sessionId`,
 * `privateKey`, `x-api-key`, `set-cookie`, `proxy-authorization`, `credentials`…
 */
const SENSITIVE_FRAGMENTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'cookie',
  'session',
  'apikey',
  'private',
  'credential',
];

/**
 * Names that contain a fragment but hold no secret, written by Bulwark itself (lower case,
 * separators kept): the kind of a token, never the token.
 */
const ALLOWED_KEYS = new Set(['tokentype', 'token_type', 'tokentypes', 'acceptedtokentypes']);

/** Arrays that Node fills with alternating header names and values. */
const RAW_HEADER_LISTS = new Set(['rawheaders', 'rawtrailers']);

/** Whether a field name (already lower-cased) names a secret by one of the fragments. */
function hasSensitiveFragment(lower: string): boolean {
  if (ALLOWED_KEYS.has(lower)) return false;
  const compact = lower.includes('-') || lower.includes('_') ? lower.replace(/[-_]/g, '') : lower;
  for (const fragment of SENSITIVE_FRAGMENTS) {
    if (compact.includes(fragment)) return true;
  }
  return false;
}

/** What a field name asks of its value: kept, replaced, or read as raw header pairs. */
type Verdict = 0 | 1 | 2;
const PLAIN: Verdict = 0;
const SENSITIVE: Verdict = 1;
const HEADER_LIST: Verdict = 2;

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
  const extra = new Set(extraKeys.map((key) => key.toLowerCase()));
  // One verdict per distinct name, decided the first time it is seen: the access line's
  // handful of names cost a map lookup each, not a scan of the fragments.
  const verdicts = new Map<string, Verdict>();
  const verdictOf = (key: string): Verdict => {
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      const lower = key.toLowerCase();
      verdict =
        extra.has(lower) || hasSensitiveFragment(lower)
          ? SENSITIVE
          : RAW_HEADER_LISTS.has(lower)
            ? HEADER_LIST
            : PLAIN;
      if (verdicts.size < MAX_KEY_VERDICTS) verdicts.set(key, verdict);
    }
    return verdict;
  };
  // `[name, value, name, value…]`: a value is hidden when the name before it is sensitive.
  const visitRawHeaders = (list: unknown[], depth: number, seen: Set<object>): unknown[] =>
    list.slice(0, MAX_ITEMS).map((item, index) => {
      const name = index % 2 === 1 ? list[index - 1] : undefined;
      return typeof name === 'string' && verdictOf(name) === SENSITIVE
        ? REDACTED
        : visit(item, depth + 1, seen);
    });
  const visitField = (key: string, item: unknown, depth: number, seen: Set<object>): unknown => {
    const verdict = verdictOf(key);
    if (verdict === SENSITIVE) return REDACTED;
    if (
      verdict === HEADER_LIST &&
      Array.isArray(item) &&
      depth + 1 < MAX_DEPTH &&
      !seen.has(item)
    ) {
      return visitRawHeaders(item, depth + 1, seen);
    }
    return visit(item, depth + 1, seen);
  };
  function visit(value: unknown, depth: number, seen: Set<object>): unknown {
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
        const kept = visitField(key, item, depth, seen);
        if (copy === undefined && kept !== item) {
          copy = {};
          // Visited again rather than reused: a getter may answer differently the second time.
          for (let j = 0; j < i; j++) {
            const earlier = names[j] as string;
            copy[earlier] = visitField(earlier, source[earlier], depth, seen);
          }
        }
        if (copy !== undefined) copy[key] = kept;
      }
      return copy ?? source;
    } finally {
      seen.delete(value);
    }
  }
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
