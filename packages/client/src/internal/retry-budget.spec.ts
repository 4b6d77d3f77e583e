import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget', () => {
  it('allows minRetries plus ratio × calls in the window, then refuses', () => {
    let now = 0;
    const budget = new RetryBudget(0.2, 3, 10_000, () => now);
    for (let index = 0; index < 10; index += 1) budget.recordCall();
    const granted = Array.from({ length: 10 }, () => budget.tryRetry()).filter(Boolean).length;
    expect(granted).toBe(5);
    now = 10_001;
    expect(budget.tryRetry()).toBe(true);
  });

  it('lets old calls and retries leave the sliding window', () => {
    let now = 0;
    const budget = new RetryBudget(0, 1, 1000, () => now);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    now = 500;
    expect(budget.tryRetry()).toBe(false);
    now = 1001;
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('RetryBudget memory', () => {
  it('remembers only the calls of the last window when no retry is ever asked for', () => {
    let now = 0;
    const budget = new RetryBudget(0.2, 3, 1000, () => now);
    for (let index = 0; index < 100_000; index += 1) {
      now = index / 10; // 10 calls per millisecond for 10 s
      budget.recordCall();
    }
    expect(budget.recordedCalls).toBeLessThanOrEqual(10_001);
    expect(budget.recordedCalls).toBeGreaterThanOrEqual(9_990);
  });
});
