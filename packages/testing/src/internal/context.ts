import { randomUUID } from 'node:crypto';
import type { ConformanceCategory, ConformanceHints } from '../conformance-hints.interface.js';
import type { ConformanceCheck } from '../conformance-result.interface.js';
import { problemFaults } from './assertions.js';
import type { Answer, HttpClient } from './http-client.js';

/** What every group of checks gets. */
export interface CheckContext {
  readonly http: HttpClient;
  readonly hints: ConformanceHints;
  /** A unique suffix for this run, so subjects and paths never collide with earlier runs. */
  readonly runId: string;
  /** Mints a valid token with these claims over the issuer's defaults and a per-run `sub`. */
  token(claims?: Record<string, unknown>): string;
  /** Records a check: it passes when `faults` is empty. */
  check(
    category: ConformanceCategory,
    id: string,
    title: string,
    faults: readonly string[],
    request?: string,
  ): boolean;
  /** Problem-details faults of an answer, or none when the hints turn that contract off. */
  problem(answer: Answer): string[];
  /** Records a skipped check. */
  skip(category: ConformanceCategory, id: string, title: string, reason: string): void;
}

export function createContext(
  http: HttpClient,
  hints: ConformanceHints,
  checks: ConformanceCheck[],
): CheckContext {
  const runId = randomUUID().slice(0, 8);
  return {
    http,
    hints,
    runId,
    // A subject of its own per run, so the run's requests never share a rate-limit bucket
    // with another run or with the service's own tests.
    token: (claims = {}) =>
      hints.issuer.mint({ claims: { sub: `conformance-${runId}`, ...claims } }),
    check(category, id, title, faults, request) {
      const passed = faults.length === 0;
      checks.push({
        category,
        id: `${category}/${id}`,
        title,
        status: passed ? 'pass' : 'fail',
        ...(passed ? {} : { detail: faults.join('; ') }),
        ...(request ? { request } : {}),
      });
      return passed;
    },
    problem: (answer) => (hints.problemDetails === false ? [] : problemFaults(answer)),
    skip(category, id, title, reason) {
      checks.push({ category, id: `${category}/${id}`, title, status: 'skip', detail: reason });
    },
  };
}
