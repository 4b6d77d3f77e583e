/**
 * A retry budget over a sliding window (after Finagle's and Envoy's): retries in the window stay
 * under `ratio × calls in the window + minRetries`, so that during an outage retries add at most
 * that share of load instead of multiplying it by the attempt count.
 */
export class RetryBudget {
  private readonly calls = new TimeWindow();
  private readonly retries = new TimeWindow();

  constructor(
    private readonly ratio: number,
    private readonly minRetries: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Calls remembered: at most those of the last window. */
  get recordedCalls(): number {
    return this.calls.size;
  }

  /** Records a first attempt; calls older than the window are forgotten as new ones come. */
  recordCall(): void {
    const now = this.now();
    this.calls.prune(now - this.windowMs);
    this.calls.push(now);
  }

  /** Takes one retry from the budget; `false` when it is spent. */
  tryRetry(): boolean {
    const now = this.now();
    this.calls.prune(now - this.windowMs);
    this.retries.prune(now - this.windowMs);
    const allowed = Math.floor(this.ratio * this.calls.size) + this.minRetries;
    if (this.retries.size >= allowed) return false;
    this.retries.push(now);
    return true;
  }
}

/** Times in order, oldest first; pruning moves a start index, compacting now and then. */
class TimeWindow {
  private times: number[] = [];
  private start = 0;

  get size(): number {
    return this.times.length - this.start;
  }

  push(time: number): void {
    this.times.push(time);
  }

  /** Forgets the times at or before `before`. */
  prune(before: number): void {
    const times = this.times;
    let start = this.start;
    while (start < times.length && (times[start] as number) <= before) start += 1;
    if (start === times.length) {
      this.times = [];
      this.start = 0;
    } else if (start > 1024 && start * 2 > times.length) {
      this.times = times.slice(start);
      this.start = 0;
    } else {
      this.start = start;
    }
  }
}
