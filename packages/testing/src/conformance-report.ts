import type { ConformanceCategory } from './conformance-hints.interface.js';
import { CONFORMANCE_CATEGORIES } from './conformance-hints.interface.js';
import type { ConformanceCheck, ConformanceResult } from './conformance-result.interface.js';
import { TestingError } from './testing.error.js';

const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;

function line(check: ConformanceCheck): string {
  const request = check.request
    ? `  [${check.request.length > 90 ? `${check.request.slice(0, 90)}…` : check.request}]`
    : '';
  const detail = check.detail ? `\n        ${check.detail}` : '';
  return `    ${MARK[check.status]} ${check.id}: ${check.title}${request}${detail}`;
}

/**
 * Formats a conformance result as a plain-text report: one heading per category with its
 * counts, every failure and skip in full, and passing checks too when `verbose`.
 *
 * @example
 * ```ts
 * console.log(formatConformanceReport(result, { verbose: true }));
 * ```
 */
export function formatConformanceReport(
  result: ConformanceResult,
  options: { verbose?: boolean } = {},
): string {
  const out = [`Bulwark conformance of ${result.baseUrl}`];
  const categories = new Set<ConformanceCategory>(result.checks.map((c) => c.category));
  for (const category of CONFORMANCE_CATEGORIES.filter((c) => categories.has(c))) {
    const checks = result.checks.filter((c) => c.category === category);
    const count = (status: ConformanceCheck['status']) =>
      checks.filter((c) => c.status === status).length;
    const verdict = count('fail') > 0 ? 'FAIL' : count('pass') > 0 ? 'ok' : 'skipped';
    out.push(
      `  ${category}: ${verdict} (${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped)`,
    );
    for (const check of checks) {
      if (check.status !== 'pass' || options.verbose) out.push(line(check));
    }
  }
  out.push(
    `${result.ok ? 'CONFORMANT' : 'NOT CONFORMANT'}: ${result.passed} checks passed, ${result.failed} failed, ${result.skipped} skipped in ${result.durationMs} ms`,
  );
  return out.join('\n');
}

/**
 * Throws a {@link TestingError} (`CONFORMANCE_FAILED`) listing every failed check, so any test
 * runner turns a non-conformant service into a failed test.
 *
 * @example
 * ```ts
 * it('is conformant', async () => {
 *   assertConformance(await runConformance(url, hints));
 * });
 * ```
 */
export function assertConformance(result: ConformanceResult): void {
  if (result.ok) return;
  const list = result.failures.map(
    (f) => `- ${f.id}: ${f.title}${f.detail ? ` (${f.detail})` : ''}`,
  );
  throw new TestingError(
    'CONFORMANCE_FAILED',
    `${result.failed} conformance check(s) failed against ${result.baseUrl}:\n${list.join('\n')}`,
  );
}
