import "server-only";
import { db, isPostgres } from "@/lib/db";

/**
 * Sign-in attempts, throttled per client address (all user names together: guessing across many
 * accounts) and per user name at that address (guessing one account). There is no lock on an
 * account as such: failures from one address never keep the account's owner out from another
 * (OWASP's caution against lockout as a denial of service); guessing from many addresses is
 * bounded per address, and each guess costs an argon2 verification.
 *
 * Each attempt is counted before its password is checked, so parallel attempts cannot pass the
 * check together: of N concurrent tries at most the limit are evaluated. The attempts live in the
 * database (SignInAttempt), so the limits hold across console replicas: with PostgreSQL, the count
 * and the insert of one address run under a transaction-scoped advisory lock on that address.
 */
export class SignInThrottle {
  constructor(readonly limits = { address: 30, account: 10, windowMs: 15 * 60_000 }) {}

  /**
   * Reserves an attempt: `{ wait }` (milliseconds) when this address, or this user name from this
   * address, has used up its tries; otherwise a ticket to settle once the password was checked.
   */
  async begin(username: string, address: string, now = new Date()): Promise<{ wait: number } | { settle: (ok: boolean) => Promise<void> }> {
    const a = `ip:${address}`;
    const u = `u:${username.trim().toLowerCase()}@${address}`;
    const since = new Date(now.getTime() - this.limits.windowMs);
    const waitFor = (oldest: Date | undefined) => (oldest ? Math.max(1, oldest.getTime() + this.limits.windowMs - now.getTime()) : 0);
    const reserved = await db.$transaction(async (tx): Promise<{ wait: number } | { id: string }> => {
      if (isPostgres()) await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(873, hashtext(${a}))`;
      await tx.signInAttempt.deleteMany({ where: { key: { in: [a, u] }, at: { lt: since } } });
      const window = { at: { gte: since } };
      const [byAddress, byAccount] = [
        await tx.signInAttempt.findMany({ where: { key: a, ...window }, orderBy: { at: "desc" }, take: this.limits.address, select: { at: true } }),
        await tx.signInAttempt.findMany({ where: { key: u, ...window }, orderBy: { at: "desc" }, take: this.limits.account, select: { at: true } }),
      ];
      // the oldest of the last `limit` attempts leaves the window first
      const wait = Math.max(
        byAddress.length >= this.limits.address ? waitFor(byAddress.at(-1)?.at) : 0,
        byAccount.length >= this.limits.account ? waitFor(byAccount.at(-1)?.at) : 0,
      );
      if (wait > 0) return { wait };
      const row = await tx.signInAttempt.create({ data: { key: a, at: now }, select: { id: true } });
      await tx.signInAttempt.create({ data: { key: u, at: now } });
      return { id: row.id };
    });
    if ("wait" in reserved) return { wait: reserved.wait };
    return {
      settle: async (ok: boolean) => {
        if (!ok) return;
        // a right password: the account's count at this address starts again, the address's try is given back
        await db.signInAttempt.deleteMany({ where: { OR: [{ key: u }, { id: reserved.id }] } });
      },
    };
  }

  /** Drops attempts older than the window (the hourly job): addresses that never come back. */
  async prune(now = new Date()): Promise<number> {
    const { count } = await db.signInAttempt.deleteMany({ where: { at: { lt: new Date(now.getTime() - this.limits.windowMs) } } });
    return count;
  }
}

export const loginThrottle = new SignInThrottle();
