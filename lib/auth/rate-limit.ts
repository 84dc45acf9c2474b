// Token buckets for the report API. Keys are host ids (valid reports: a booting host sends about
// ten, so a generous per-host allowance never refuses a boot storm of thousands of hosts arriving
// through one proxy address) and source addresses (only bad or unauthenticated requests count
// there). In memory, per process, bounded in size: the oldest keys are dropped first.

export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    /** burst: requests allowed at once */
    private readonly capacity: number,
    /** sustained rate: tokens per second */
    private readonly refillPerSecond: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Takes one token for `key`: true when allowed. */
  take(key: string, now = Date.now()): boolean {
    const b = this.peek(key, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Whether `key` has a token left, without taking one. */
  allowed(key: string, now = Date.now()): boolean {
    return this.peek(key, now).tokens >= 1;
  }

  /** Seconds until `key` has a token again (for Retry-After). */
  retryAfter(key: string, now = Date.now()): number {
    const b = this.peek(key, now);
    return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / this.refillPerSecond);
  }

  private peek(key: string, now: number) {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.capacity, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    } else {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refillPerSecond);
      b.at = now;
      this.buckets.delete(key); // re-insert: Map order is least recently used first
    }
    this.buckets.set(key, b);
    return b;
  }
}
