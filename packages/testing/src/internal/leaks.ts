/** One piece of internal detail found in a response body. */
export interface LeakFinding {
  readonly kind: string;
  readonly excerpt: string;
}

// What an error body must never carry (ASVS V16, guidance §5.4): stack frames, server paths,
// dependency paths, runtime error names with their messages.
const PATTERNS: readonly (readonly [string, RegExp])[] = [
  [
    'stack frame',
    /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s)]*:\d+:\d+\)?/,
  ],
  ['stack frame', /\bat [^\s()]+ \([^)]*:\d+:\d+\)/],
  ['node_modules path', /node_modules/],
  ['file URL', /file:\/\/\//],
  [
    'absolute path',
    /(?:^|[\s"'(=:,[])\/(?:home|usr|var|opt|root|srv|app|tmp|work|Users|etc|proc|mnt|private)\/[^\s"']*/,
  ],
  ['windows path', /\b[A-Za-z]:\\(?:[^\\\s"']+\\)+/],
  ['runtime error', /\b(?:TypeError|ReferenceError|SyntaxError|RangeError|EvalError|URIError)\b:/],
  ['runtime error', /\bCannot read propert(?:y|ies) of (?:undefined|null)\b/],
  ['library message', /\bUnexpected token\b|\bin JSON at position\b/],
];

/** Finds stack frames, absolute paths, `node_modules`, file URLs and raw runtime errors. */
export function findLeaks(text: string): LeakFinding[] {
  const findings: LeakFinding[] = [];
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(text);
    if (match && !findings.some((f) => f.kind === kind)) {
      findings.push({ kind, excerpt: match[0].trim().slice(0, 80) });
    }
  }
  return findings;
}

// Readiness answers are read by load balancers, not people: hosts, ports, connection
// strings and credentials have no business there.
const INTERNALS: readonly (readonly [string, RegExp])[] = [
  ['URL', /\b[a-z][a-z0-9+.-]*:\/\/[^\s"']+/i],
  ['IPv4 address', /\b(?:\d{1,3}\.){3}\d{1,3}\b/],
  ['host:port', /\blocalhost:\d+\b/i],
  ['credential', /"(?:password|passwd|secret|token|apiKey|api_key)"\s*:/i],
];

/** Finds internals that a public probe answer must not carry, on top of {@link findLeaks}. */
export function findInternals(text: string): LeakFinding[] {
  const findings = findLeaks(text);
  for (const [kind, pattern] of INTERNALS) {
    const match = pattern.exec(text);
    if (match) findings.push({ kind, excerpt: match[0].slice(0, 80) });
  }
  return findings;
}
