import { detectLeaks, type LeakKind } from '@bulwark/core/testing';

/** One piece of internal detail found in a response body, labelled as the report prints it. */
export interface LeakFinding {
  readonly kind: string;
  readonly excerpt: string;
}

// The report's wording for each kind of @bulwark/core's detectLeaks, kept from the suite's
// earlier reports so that a team's saved reports and filters still read the same.
const LABELS: Readonly<Record<LeakKind, string>> = {
  'stack-frame': 'stack frame',
  'node-modules': 'node_modules path',
  'absolute-path': 'absolute path',
  'file-url': 'file URL',
  'windows-path': 'windows path',
  'source-file': 'source position',
  'runtime-error': 'runtime error',
  'library-message': 'library message',
};

/**
 * Finds what an answer must never carry (ASVS V16, guidance §5.4) with `detectLeaks` of
 * `@bulwark/core`, the one leak detector: stack frames, server paths, `node_modules`, file URLs,
 * source positions, raw runtime errors and library messages.
 */
export function findLeaks(text: string): LeakFinding[] {
  return detectLeaks(text).map((leak) => ({ kind: LABELS[leak.kind], excerpt: leak.match }));
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
