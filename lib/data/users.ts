import "server-only";
import { db } from "@/lib/db";
import type { Actor } from "@/lib/auth/roles";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { conflict, forbidden, fromDbError, invalid, notFound } from "@/lib/errors";
import type { RoleName } from "@/lib/validation/common";
import type { PasswordChange, UserInput } from "@/lib/validation/user";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import { endUserSessions } from "./sessions";

const publicUser = { id: true, username: true, role: true, disabled: true, lastLoginAt: true, createdAt: true } as const;

export async function userCount(): Promise<number> {
  return db.user.count();
}

/** First run: no user exists yet, so the console offers the one-time "create the first admin" page. */
export async function needsSetup(): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/**
 * Creates the first admin. Refused once any user exists, checked inside the write transaction
 * (SQLite serialises writers), so two racing browsers cannot both succeed.
 */
export async function createFirstAdmin(input: { username: string; password: string }) {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    if ((await tx.user.count()) > 0) throw conflict("The console is already set up: sign in instead");
    const user = await tx.user.create({ data: { username: input.username, passwordHash, role: "admin" }, select: publicUser });
    await recordAudit(tx, { type: "system", id: null, name: "setup", role: "admin" }, "user.create", { type: "user", id: user.id, name: user.username }, undefined, user);
    return user;
  });
}

/** Checks a password. Returns the user, or null without saying whether the name exists. */
export async function authenticate(username: string, password: string) {
  const user = await db.user.findUnique({ where: { username: username.trim().toLowerCase() } });
  const ok = await verifyPassword(user && !user.disabled ? user.passwordHash : null, password);
  const who = user ? { type: "user" as const, id: user.id, name: user.username, role: user.role } : null;
  await db.$transaction(async (tx) => {
    if (ok && user) await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    await recordAudit(
      tx,
      who ?? { type: "system", id: null, name: "anonymous", role: "viewer" },
      ok ? "user.login" : "user.login_failed",
      // a name that is no account is often a password typed into the wrong field: never kept
      { type: "user", id: user?.id ?? null, name: user ? user.username : "(unknown user)" },
    );
  });
  return ok && user ? { id: user.id, username: user.username, role: user.role } : null;
}

export async function listUsers(actor: Actor) {
  authorize(actor, "admin");
  return db.user.findMany({ select: publicUser, orderBy: { username: "asc" } });
}

export async function createUser(actor: Actor, input: UserInput) {
  authorize(actor, "admin");
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { username: input.username, passwordHash, role: input.role }, select: publicUser });
      await recordAudit(tx, actor, "user.create", { type: "user", id: user.id, name: user.username }, undefined, user);
      return user;
    });
  } catch (e) {
    fromDbError(e, { username: "username" });
  }
}

async function assertAnotherAdmin(userId: string) {
  const admins = await db.user.count({ where: { role: "admin", disabled: false, id: { not: userId } } });
  if (admins === 0) throw invalid("This is the last active admin: make another user admin first");
}

export async function setUserRole(actor: Actor, username: string, role: RoleName) {
  authorize(actor, "admin");
  const before = await db.user.findUnique({ where: { username }, select: publicUser });
  if (!before) throw notFound(`User ${username}`);
  if (before.role === "admin" && role !== "admin") await assertAnotherAdmin(before.id);
  return db.$transaction(async (tx) => {
    const after = await tx.user.update({ where: { id: before.id }, data: { role }, select: publicUser });
    // a role change takes effect at once: end the user's sessions
    await endUserSessions(tx, before.id);
    await recordAudit(tx, actor, "user.role", { type: "user", id: before.id, name: username }, before, after);
    return after;
  });
}

export async function deleteUser(actor: Actor, username: string) {
  authorize(actor, "admin");
  const before = await db.user.findUnique({ where: { username }, select: publicUser });
  if (!before) throw notFound(`User ${username}`);
  if (actor.type === "user" && actor.id === before.id) throw invalid("You cannot delete yourself");
  if (before.role === "admin") await assertAnotherAdmin(before.id);
  await db.$transaction(async (tx) => {
    await tx.user.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, "user.delete", { type: "user", id: before.id, name: username }, before, undefined);
  });
}

export const WRONG_CURRENT_PASSWORD = "Wrong password: your password was not changed";

/**
 * A signed-in user changes their own password, proving who they are with the current one. Their
 * other sessions end (a session someone else holds does not outlive the change); the one the
 * change comes from (`sessionSecret`) stays. A wrong current password is audited and changes
 * nothing. The caller limits guessing (see changePasswordAction).
 */
export async function changeOwnPassword(actor: Actor, input: Pick<PasswordChange, "currentPassword" | "newPassword">, sessionSecret: string | null) {
  authorize(actor, "viewer");
  if (actor.type !== "user" || !actor.id) throw forbidden("Only a signed-in user can change their password");
  const user = await db.user.findUnique({ where: { id: actor.id } });
  if (!user || user.disabled) throw notFound(`User ${actor.name}`);
  const target = { type: "user", id: user.id, name: user.username };
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await db.$transaction((tx) => recordAudit(tx, actor, "user.password_failed", target));
    throw invalid(WRONG_CURRENT_PASSWORD, { currentPassword: WRONG_CURRENT_PASSWORD });
  }
  const passwordHash = await hashPassword(input.newPassword);
  return db.$transaction(async (tx) => {
    // only over the hash that was checked: a reset in between wins, and this change is refused
    const { count } = await tx.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash } });
    if (count === 0) throw conflict("Your password was changed meanwhile: nothing was changed. Sign in again.");
    const sessionsEnded = await endUserSessions(tx, user.id, sessionSecret);
    await recordAudit(tx, actor, "user.password", target, undefined, { otherSessionsEnded: sessionsEnded });
    return { sessionsEnded };
  });
}

/**
 * An admin (or the CLI) sets another user's password. Every session of that user ends. Admins
 * change their own password with the current one (changeOwnPassword), not here.
 */
export async function resetPassword(actor: Actor, username: string, newPassword: string) {
  authorize(actor, "admin");
  const user = await db.user.findUnique({ where: { username }, select: publicUser });
  if (!user) throw notFound(`User ${username}`);
  if (actor.type === "user" && actor.id === user.id) throw invalid("Change your own password under Your account: it asks for your current one");
  const passwordHash = await hashPassword(newPassword);
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    const sessionsEnded = await endUserSessions(tx, user.id);
    await recordAudit(tx, actor, "user.password_reset", { type: "user", id: user.id, name: user.username }, undefined, { sessionsEnded });
    return { username: user.username, sessionsEnded };
  });
}
