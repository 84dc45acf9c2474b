import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { randomSecret, sha256Hex } from "@/lib/auth/secrets";
import type { Actor } from "@/lib/auth/roles";
import type { Tx } from "@/lib/db";
import { recordAudit } from "./audit";

// Session rows: the cookie carries a random secret, the row id is its sha256.

export async function createSession(userId: string, meta: { ip?: string | null; userAgent?: string | null }) {
  const secret = randomSecret();
  const expiresAt = new Date(Date.now() + env().AFSBOOT_SESSION_HOURS * 3600_000);
  await db.session.create({
    data: { id: sha256Hex(secret), userId, expiresAt, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 300) ?? null },
  });
  // opportunistic cleanup keeps the table small without a scheduler
  await db.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return { secret, expiresAt };
}

/** The actor behind a session cookie, or null when unknown, expired or the user is disabled. */
export async function actorFromSession(secret: string): Promise<Actor | null> {
  if (!secret || secret.length > 100) return null;
  const id = sha256Hex(secret);
  const session = await db.session.findUnique({ where: { id }, include: { user: true } });
  if (!session || session.expiresAt <= new Date() || session.user.disabled) return null;
  if (Date.now() - session.lastSeenAt.getTime() > 60_000) {
    await db.session.update({ where: { id }, data: { lastSeenAt: new Date() } }).catch(() => undefined);
  }
  return { type: "user", id: session.user.id, name: session.user.username, role: session.user.role };
}

/** Signs out: the session row goes; a known user's sign-out is audited. */
export async function deleteSession(secret: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const session = await tx.session.findUnique({ where: { id: sha256Hex(secret) }, include: { user: true } });
    if (!session) return;
    await tx.session.delete({ where: { id: session.id } });
    const { user } = session;
    await recordAudit(tx, { type: "user", id: user.id, name: user.username, role: user.role }, "user.logout", { type: "user", id: user.id, name: user.username });
  });
}

/**
 * Ends a user's sessions (a role or password change takes effect at once), except the one whose
 * cookie secret is `keep` (the user changing their own password stays signed in there).
 */
export async function endUserSessions(tx: Tx, userId: string, keep?: string | null): Promise<number> {
  const { count } = await tx.session.deleteMany({ where: { userId, ...(keep ? { id: { not: sha256Hex(keep) } } : {}) } });
  return count;
}
