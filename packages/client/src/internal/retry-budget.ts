/**
 * A retry budget over a sliding window (after Finagle's and Envoy's): retries in the window stay
 * under `ratio × calls in the window + minRetries`, so that during an outage retries add at most
 * that share of load instead of multiplying it by the attempt count.
 */
export class RetryBudget {
  private readonly calls: number[] = [];
  private readonly retries: number[] = [];

  constructor(
    private readonly ratio: number,
    private readonly minRetries: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Records a first attempt. */
  recordCall(): void {
    this.calls.push(this.now());
  }

  /** Takes one retry from the budget; `false` when it is spent. */
  tryRetry(): boolean {
    const now = this.now();
    prune(this.calls, now - this.windowMs);
    prune(this.retries, now - this.windowMs);
    const allowed = Math.floor(this.ratio * this.calls.length) + this.minRetries;
    if (this.retries.length >= allowed) return false;
    this.retries.push(now);
    return true;
  }
}

function prune(times: number[], before: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= before) drop += 1;
  if (drop > 0) times.splice(0, drop);
}
