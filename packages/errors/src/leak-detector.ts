/** One finding of {@link detectLeaks}. */
export interface Leak {
  /** What kind of internal detail was found. */
  kind: 'stack-frame' | 'absolute-path' | 'node-modules' | 'library-message' | 'source-file';
  /** The text that matched, at most 80 characters. */
  match: string;
}

const PATTERNS: ReadonlyArray<[Leak['kind'], RegExp]> = [
  ['stack-frame', /\bat\s+(?:async\s+)?[\w$.<>[\]]*\s*\(?(?:file:\/\/|\/|[A-Za-z]:\\|node:)/],
  ['stack-frame', /\b\w*Error:\s.*\n\s+at\s/],
  ['node-modules', /node_modules/],
  ['absolute-path', /(?:^|[\s"'(=])\/(?:home|root|usr|var|opt|srv|app|work|tmp|etc|proc)\//],
  ['absolute-path', /file:\/\/\//],
  ['absolute-path', /\b[A-Za-z]:\\[\w\\ .-]+/],
  ['source-file', /\.(?:ts|js|mjs|cjs):\d+/],
  [
    'library-message',
    /Unexpected token|in JSON at position|" is not valid JSON|Unexpected end of JSON|FST_[A-Z_]+|ERR_[A-Z_]{3,}|ECONNREFUSED|ENOENT|EACCES|Cannot (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE)\b|request entity too large|TypeError|ReferenceError|SyntaxError|RangeError|QueryFailedError|SequelizeError|MongoError|\bSELECT\s.+\sFROM\b/i,
  ],
];

/**
 * Finds internal details in a response body: stack frames, absolute paths and file URLs,
 * `node_modules`, source positions, and messages of Node, JSON.parse, Fastify, Express and
 * common drivers. Returns an empty list for a clean body. Meant for tests and conformance
 * checks: `expect(detectLeaks(await response.text())).toEqual([])`.
 *
 * @example
 * ```ts
 * detectLeaks('{"detail":"at Object.<anonymous> (/app/dist/main.js:3:9)"}');
 * // [{ kind: 'stack-frame', ... }, { kind: 'absolute-path', ... }, ...]
 * ```
 */
export function detectLeaks(text: string): Leak[] {
  const leaks: Leak[] = [];
  for (const [kind, pattern] of PATTERNS) {
    const found = pattern.exec(text);
    if (found) leaks.push({ kind, match: found[0].slice(0, 80) });
  }
  return leaks;
}
