/**
 * The org's daily API request allowance over a rolling 24 hours, counted in one-minute buckets so
 * a call costs O(1) even at thousands of requests per second.
 */
const MINUTE = 60_000;
const WINDOW_MINUTES = 24 * 60;

export class ApiAllowance {
  max: number;
  /** When false, requests are still counted (for the headers) but never refused. */
  enforce: boolean;
  private readonly buckets: Array<{ minute: number; count: number }> = [];
  private total = 0;

  constructor(max: number, enforce: boolean) {
    this.max = max;
    this.enforce = enforce;
  }

  used(now: number): number {
    this.prune(now);
    return this.total;
  }

  /** Counts one request; false (and not counted) when the allowance is spent and enforced. */
  consume(now: number): boolean {
    this.prune(now);
    if (this.enforce && this.total >= this.max) return false;
    const minute = Math.floor(now / MINUTE);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.minute === minute) last.count += 1;
    else this.buckets.push({ minute, count: 1 });
    this.total += 1;
    return true;
  }

  reset(): void {
    this.buckets.length = 0;
    this.total = 0;
  }

  /** Pretend `used` requests were already made this minute (tests of near-exhaustion). */
  setUsed(used: number, now: number): void {
    this.reset();
    if (used > 0) {
      this.buckets.push({ minute: Math.floor(now / MINUTE), count: used });
      this.total = used;
    }
  }

  private prune(now: number): void {
    const oldest = Math.floor(now / MINUTE) - WINDOW_MINUTES;
    while (this.buckets.length && this.buckets[0]!.minute <= oldest) {
      this.total -= this.buckets.shift()!.count;
    }
  }
}
