import type { ReadinessResult } from '@bulwark/core/lifecycle';
import { HealthError } from '../health.error.js';

/** A readiness function; it may take an AbortSignal that fires at the timeout. */
export type CheckFunction = (signal: AbortSignal) => ReadinessResult | Promise<ReadinessResult>;

interface CacheEntry {
  result?: ReadinessResult;
  expiresAt: number;
  pending?: Promise<ReadinessResult>;
}

function isThenable(value: unknown): value is PromiseLike<ReadinessResult> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs readiness checks with a timeout and a short cache.
 *
 * Synchronous answers are in-memory state and are returned as they are, so a flag such as
 * the shutdown state flips readiness at once. Asynchronous answers are cached for `ttlMs` and
 * shared by concurrent callers (single flight), so N probes cost one dependency call.
 */
export class CheckRunner {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly timeoutMs: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  run(key: string, check: CheckFunction): ReadinessResult | Promise<ReadinessResult> {
    const entry = this.cache.get(key);
    if (entry?.pending) return entry.pending;
    if (entry?.result && entry.expiresAt > this.now()) return entry.result;

    const controller = new AbortController();
    let answer: ReadinessResult | PromiseLike<ReadinessResult>;
    try {
      answer = check(controller.signal);
    } catch (error) {
      return { ready: false, detail: describe(error) };
    }
    if (!isThenable(answer)) return normalize(answer);

    const pending = this.bounded(answer, controller).then((result) => {
      this.cache.set(key, { result, expiresAt: this.now() + this.ttlMs });
      return result;
    });
    this.cache.set(key, { expiresAt: 0, pending });
    return pending;
  }

  private bounded(
    answer: PromiseLike<ReadinessResult>,
    controller: AbortController,
  ): Promise<ReadinessResult> {
    return new Promise<ReadinessResult>((resolve) => {
      const timer = setTimeout(() => {
        controller.abort(
          new HealthError('HEALTH_CHECK_TIMEOUT', `timed out after ${this.timeoutMs} ms`),
        );
        resolve({ ready: false, detail: `timed out after ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      timer.unref();
      Promise.resolve(answer).then(
        (result) => {
          clearTimeout(timer);
          resolve(normalize(result));
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve({ ready: false, detail: describe(error) });
        },
      );
    });
  }
}

/** A check that returns something other than `{ ready: boolean }` is treated as not ready. */
function normalize(result: ReadinessResult): ReadinessResult {
  if (typeof result?.ready !== 'boolean') {
    return { ready: false, detail: 'the check returned no { ready: boolean }' };
  }
  return result;
}
