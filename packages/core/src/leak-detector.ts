/**
 * What kind of internal detail {@link detectLeaks} found:
 * - `stack-frame`: a V8 stack frame (`at handler (/app/dist/main.js:3:9)`), or an error line
 *   followed by one;
 * - `node-modules`: a dependency path;
 * - `absolute-path`: a server path such as `/home/…`, `/app/…`, `/srv/…` or `/Users/…`;
 * - `file-url`: a `file:///` URL;
 * - `windows-path`: a drive path such as `C:\Users\…`;
 * - `source-file`: a source position such as `main.ts:12`;
 * - `runtime-error`: a JavaScript error name (`TypeError: …`) or V8's
 *   `Cannot read properties of undefined`;
 * - `library-message`: a message of Node, `JSON.parse`, Fastify, Express, Nest or a database
 *   driver (`Unexpected token`, `FST_ERR_…`, `ECONNREFUSED`, `Cannot GET /x`, `SELECT … FROM`).
 */
export type LeakKind =
  | 'stack-frame'
  | 'node-modules'
  | 'absolute-path'
  | 'file-url'
  | 'windows-path'
  | 'source-file'
  | 'runtime-error'
  | 'library-message';

/** One finding of {@link detectLeaks}. */
export interface Leak {
  /** What kind of internal detail was found. */
  readonly kind: LeakKind;
  /** The text that matched, trimmed, at most 80 characters. */
  readonly match: string;
}

// What a response body must never carry (ASVS V16, guidance §5.4). Several patterns may report
// one kind; the first that matches gives the excerpt, so the ones matching a whole frame come first.
const PATTERNS: readonly (readonly [LeakKind, RegExp])[] = [
  [
    'stack-frame',
    /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s)]*:\d+:\d+\)?/,
  ],
  ['stack-frame', /\bat [^\s()]+ \([^)]*:\d+:\d+\)/],
  ['stack-frame', /\bat\s+(?:async\s+)?[\w$.<>[\]]*\s*\(?(?:file:\/\/|\/|[A-Za-z]:\\|node:)/],
  ['stack-frame', /\b\w*Error:\s.*\n\s+at\s/],
  ['node-modules', /node_modules/],
  [
    'absolute-path',
    /(?<![^\s"'(=:,[])\/(?:home|usr|var|opt|root|srv|app|tmp|work|Users|etc|proc|mnt|private)\/[^\s"')]*/,
  ],
  ['file-url', /file:\/\/\//],
  ['windows-path', /\b[A-Za-z]:\\[\w\\ .-]+/],
  ['windows-path', /\b[A-Za-z]:\\(?:[^\\\s"']+\\)+/],
  ['source-file', /\.(?:ts|js|mjs|cjs):\d+/],
  ['runtime-error', /(?:Type|Reference|Syntax|Range|Eval|URI)Error\b:?/i],
  ['runtime-error', /\bCannot read propert(?:y|ies) of (?:undefined|null)\b/],
  [
    'library-message',
    /Unexpected token|in JSON at position|" is not valid JSON|Unexpected end of JSON|FST_[A-Z_]+|ERR_[A-Z_]{3,}|ECONNREFUSED|ENOENT|EACCES|Cannot (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\b|request entity too large|QueryFailedError|SequelizeError|MongoError|\bSELECT\s.+\sFROM\b/i,
  ],
];

/**
 * Finds internal details in a response body: stack frames, server paths, file URLs, Windows
 * paths, `node_modules`, source positions, JavaScript error names, and messages of Node,
 * `JSON.parse`, Fastify, Express, Nest and common drivers. Returns at most one finding per kind,
 * in the order of {@link LeakKind}, and an empty list for a clean body. `@bulwark/testing`'s
 * conformance suite scans every answer with it; in a test of your own:
 * `expect(detectLeaks(await response.text())).toEqual([])`.
 *
 * @example
 * ```ts
 * detectLeaks('{"detail":"at Object.<anonymous> (/app/dist/main.js:3:9)"}');
 * // [{ kind: 'stack-frame', match: 'at Object.<anonymous> (/app/dist/main.js:3:9)' },
 * //  { kind: 'absolute-path', match: '/app/dist/main.js:3:9' },
 * //  { kind: 'source-file', match: '.js:3' }]
 * ```
 */
export function detectLeaks(text: string): Leak[] {
  const leaks: Leak[] = [];
  for (const [kind, pattern] of PATTERNS) {
    if (leaks.some((leak) => leak.kind === kind)) continue;
    const found = pattern.exec(text);
    if (found) leaks.push({ kind, match: found[0].trim().slice(0, 80) });
  }
  return leaks;
}
