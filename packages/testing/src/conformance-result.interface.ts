import type { ConformanceCategory } from './conformance-hints.interface.js';

/** The outcome of one check. */
export type ConformanceStatus = 'pass' | 'fail' | 'skip';

/** One check of {@link runConformance}. */
export interface ConformanceCheck {
  /** The group, such as `jwt`. */
  readonly category: ConformanceCategory;
  /** A stable id, such as `jwt/alg-none:NONE` or `headers/404`. */
  readonly id: string;
  /** What the check expects, in one line. */
  readonly title: string;
  /** Pass, fail or skip. */
  readonly status: ConformanceStatus;
  /** Why it failed or was skipped. */
  readonly detail?: string;
  /** The request that was checked, such as `GET /v1/notes`. */
  readonly request?: string;
}

/** What {@link runConformance} returns. */
export interface ConformanceResult {
  /** The service under test. */
  readonly baseUrl: string;
  /** `true` when no check failed. */
  readonly ok: boolean;
  /** Counts by status. */
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Wall time of the run, in milliseconds. */
  readonly durationMs: number;
  /** Every check, in the order run. */
  readonly checks: readonly ConformanceCheck[];
  /** The failed checks. */
  readonly failures: readonly ConformanceCheck[];
}
