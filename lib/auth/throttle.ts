// Slows password guessing: after `limit` failures within `windowMs` for one key (a username or
// a client address), further attempts are refused until the window passes. In memory, per
// process: with several replicas each keeps its own count, which still bounds guessing.

interface Bucket {
  failures: number[];
}

export class FailureThrottle {
  private buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may try again, or 0. */
  retryAfter(key: string, now = Date.now()): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    b.failures = b.failures.filter((t) => now - t < this.windowMs);
    if (b.failures.length === 0) this.buckets.delete(key);
    return b.failures.length >= this.limit ? this.windowMs - (now - b.failures[0]!) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const b = this.buckets.get(key) ?? { failures: [] };
    b.failures.push(now);
    if (b.failures.length > this.limit) b.failures.shift();
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.buckets.delete(this.buckets.keys().next().value!);
  }

  clear(key: string): void {
    this.buckets.delete(key);
  }
}

export const loginThrottle = new FailureThrottle(10, 15 * 60_000);
