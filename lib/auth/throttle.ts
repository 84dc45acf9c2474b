// Slows password guessing: after `limit` failures within `windowMs` for one key, further attempts
// are refused until the window passes. In memory, per process: with several replicas each keeps
// its own count, which still bounds guessing.

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

  /** Takes back one failure recorded at `at` (an attempt that turned out right). */
  forgive(key: string, at: number): void {
    const b = this.buckets.get(key);
    const i = b ? b.failures.indexOf(at) : -1;
    if (b && i >= 0) b.failures.splice(i, 1);
  }

  clear(key: string): void {
    this.buckets.delete(key);
  }
}

/**
 * Sign-in attempts, throttled per client address (all user names together: guessing across many
 * accounts) and per user name at that address (guessing one account). There is no lock on an
 * account as such: failures from one address never keep the account's owner out from another
 * (OWASP's caution against lockout as a denial of service); guessing from many addresses is
 * bounded per address, and each guess costs an argon2 verification.
 *
 * Each attempt is counted before its password is checked, so parallel attempts cannot pass the
 * check together: of N concurrent tries at most the limit are evaluated.
 */
export class SignInThrottle {
  private readonly perAddress: FailureThrottle;
  private readonly perAccount: FailureThrottle;

  constructor(readonly limits = { address: 30, account: 10, windowMs: 15 * 60_000 }) {
    this.perAddress = new FailureThrottle(limits.address, limits.windowMs);
    this.perAccount = new FailureThrottle(limits.account, limits.windowMs);
  }

  /**
   * Reserves an attempt: `{ wait }` (milliseconds) when this address, or this user name from this
   * address, has used up its tries; otherwise a ticket to settle once the password was checked.
   */
  begin(username: string, address: string, now = Date.now()): { wait: number } | { settle: (ok: boolean) => void } {
    const a = `ip:${address}`;
    const u = `u:${username.trim().toLowerCase()}@${address}`;
    const wait = Math.max(this.perAddress.retryAfter(a, now), this.perAccount.retryAfter(u, now));
    if (wait > 0) return { wait };
    this.perAddress.fail(a, now);
    this.perAccount.fail(u, now);
    return {
      settle: (ok: boolean) => {
        if (!ok) return;
        this.perAccount.clear(u);
        this.perAddress.forgive(a, now);
      },
    };
  }
}

export const loginThrottle = new SignInThrottle();
