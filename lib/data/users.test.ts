import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { sha256Hex } from "@/lib/auth/secrets";
import type { Actor } from "@/lib/auth/roles";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { actorFromApiToken, createApiToken, revokeApiToken } from "./api-tokens";
import { actorFromSession, createSession, deleteSession } from "./sessions";
import { authenticate, changeOwnPassword, createFirstAdmin, createUser, deleteUser, needsSetup, resetPassword, setUserRole } from "./users";

// One file, one database: these run in order and build on each other.
describe("users, sessions and tokens", () => {
  it("first admin: only while no user exists", async () => {
    expect(await needsSetup()).toBe(true);
    const first = await createFirstAdmin({ username: "root", password: "a-long-password" });
    expect(first.role).toBe("admin");
    expect(await needsSetup()).toBe(false);
    await expect(createFirstAdmin({ username: "second", password: "a-long-password" })).rejects.toMatchObject({ status: 409 });
    expect(await db.user.count()).toBe(1);
    const stored = await db.user.findUniqueOrThrow({ where: { username: "root" } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("authenticate: right password, wrong password, unknown user; each audited", async () => {
    expect(await authenticate("root", "a-long-password")).toMatchObject({ username: "root", role: "admin" });
    expect(await authenticate("root", "wrong")).toBeNull();
    expect(await authenticate("nobody", "wrong")).toBeNull();
    expect(await authenticate("My-Secret-Passw0rd", "")).toBeNull(); // the password typed as the name
    const failed = await db.auditEntry.findMany({ where: { action: "user.login_failed" } });
    expect(failed.map((e) => e.targetName).sort()).toEqual(["(unknown user)", "(unknown user)", "root"]);
    expect(JSON.stringify(await db.auditEntry.findMany())).not.toContain("My-Secret-Passw0rd");
  });

  it("admins manage users; others may not; the last admin stays", async () => {
    await createUser(admin, { username: "olga", password: "a-long-password", role: "operator" });
    await expect(createUser(operator, { username: "eve", password: "a-long-password", role: "admin" })).rejects.toMatchObject({ status: 403 });
    await expect(createUser(admin, { username: "olga", password: "a-long-password", role: "viewer" })).rejects.toMatchObject({ status: 409 });
    await expect(setUserRole(admin, "root", "viewer")).rejects.toMatchObject({ status: 422 });
    await setUserRole(admin, "olga", "admin");
    await setUserRole(admin, "root", "operator");
    await expect(deleteUser(admin, "olga")).rejects.toMatchObject({ message: expect.stringContaining("last active admin") });
    await setUserRole(admin, "root", "admin");
    await deleteUser(admin, "olga");
    expect(await db.user.count({ where: { username: "olga" } })).toBe(0);
  });

  it("sessions: stored hashed, expire, end", async () => {
    const user = await db.user.findUniqueOrThrow({ where: { username: "root" } });
    const { secret } = await createSession(user.id, { ip: "127.0.0.1", userAgent: "test" });
    expect(await db.session.count({ where: { id: secret } })).toBe(0);
    expect(await db.session.count({ where: { id: sha256Hex(secret) } })).toBe(1);
    expect(await actorFromSession(secret)).toMatchObject({ type: "user", name: "root", role: "admin" });
    expect(await actorFromSession("forged")).toBeNull();
    await db.session.update({ where: { id: sha256Hex(secret) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await actorFromSession(secret)).toBeNull();
    const again = await createSession(user.id, {});
    await deleteSession(again.secret);
    expect(await actorFromSession(again.secret)).toBeNull();
  });

  it("API tokens: stored hashed, authenticate, revoke", async () => {
    const created = await createApiToken(admin, { name: "ci", role: "viewer" });
    const row = await db.apiToken.findUniqueOrThrow({ where: { name: "ci" } });
    expect(row.tokenHash).toBe(sha256Hex(created!.token));
    expect(JSON.stringify(row)).not.toContain(created!.token);
    expect(await actorFromApiToken(created!.token)).toMatchObject({ type: "token", role: "viewer" });
    expect((await db.apiToken.findUniqueOrThrow({ where: { name: "ci" } })).lastUsedAt).not.toBeNull();
    const last = created!.token.slice(-1);
    expect(await actorFromApiToken(created!.token.slice(0, -1) + (last === "x" ? "y" : "x"))).toBeNull();
    await expect(createApiToken(operator, { name: "x", role: "admin" })).rejects.toMatchObject({ status: 403 });
    await revokeApiToken(admin, row.id);
    expect(await actorFromApiToken(created!.token)).toBeNull();
    const audit = await db.auditEntry.findMany({ where: { targetType: "api-token" } });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["token.create", "token.revoke"]));
    expect(JSON.stringify(audit)).not.toContain(created!.token);
  });

  it("own password: the current one proves it; the other sessions end, this one stays; audited without passwords", async () => {
    const created = await createUser(admin, { username: "pat", password: "pats-first-password", role: "viewer" });
    const pat: Actor = { type: "user", id: created!.id, name: "pat", role: "viewer" };
    const [here, other1, other2] = [await createSession(pat.id!, {}), await createSession(pat.id!, {}), await createSession(pat.id!, {})];
    const hash = async () => (await db.user.findUniqueOrThrow({ where: { username: "pat" } })).passwordHash;
    const before = await hash();

    // a wrong current password: a message on that field, nothing changes, the try is audited
    await expect(changeOwnPassword(pat, { currentPassword: "not-pats-password", newPassword: "pats-second-password" }, here.secret)).rejects.toMatchObject({
      status: 422,
      fields: { currentPassword: expect.stringContaining("Wrong password") },
    });
    expect(await hash()).toBe(before);
    expect(await db.session.count({ where: { userId: pat.id! } })).toBe(3);
    expect(await db.auditEntry.count({ where: { action: "user.password_failed", targetName: "pat" } })).toBe(1);

    expect(await changeOwnPassword(pat, { currentPassword: "pats-first-password", newPassword: "pats-second-password" }, here.secret)).toEqual({ sessionsEnded: 2 });
    expect(await actorFromSession(here.secret)).toMatchObject({ name: "pat" });
    expect(await actorFromSession(other1.secret)).toBeNull();
    expect(await actorFromSession(other2.secret)).toBeNull();
    expect(await authenticate("pat", "pats-first-password")).toBeNull();
    expect(await authenticate("pat", "pats-second-password")).toMatchObject({ username: "pat" });
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: "user.password", targetName: "pat" } });
    expect(entry).toMatchObject({ actorName: "pat", actorType: "user", after: { otherSessionsEnded: 2 } });
    const everything = JSON.stringify(await db.auditEntry.findMany());
    for (const secret of ["pats-first-password", "pats-second-password", "not-pats-password", await hash()]) expect(everything).not.toContain(secret);

    // only a signed-in user has a password of their own: not a token, not the CLI
    for (const who of [{ ...pat, type: "token" as const }, { ...pat, type: "cli" as const, id: null }]) {
      await expect(changeOwnPassword(who, { currentPassword: "pats-second-password", newPassword: "pats-third-password" }, null)).rejects.toMatchObject({ status: 403 });
    }
  });

  it("password reset: admins only, every session of the user ends, unknown users and one's own are refused", async () => {
    const pat = await db.user.findUniqueOrThrow({ where: { username: "pat" } });
    const sessions = [await createSession(pat.id, {}), await createSession(pat.id, {})];
    for (const who of [operator, viewer]) await expect(resetPassword(who, "pat", "set-by-someone-else")).rejects.toMatchObject({ status: 403 });
    await expect(resetPassword(admin, "ghost", "set-by-someone-else")).rejects.toMatchObject({ status: 404, message: "User ghost does not exist" });
    const root = await db.user.findUniqueOrThrow({ where: { username: "root" } });
    await expect(resetPassword({ type: "user", id: root.id, name: "root", role: "admin" }, "root", "set-by-myself-x")).rejects.toMatchObject({ status: 422 });
    expect((await db.user.findUniqueOrThrow({ where: { username: "pat" } })).passwordHash).toBe(pat.passwordHash);
    expect(await db.session.count({ where: { userId: pat.id } })).toBe(3);

    expect(await resetPassword(admin, "pat", "set-by-the-admin")).toEqual({ username: "pat", sessionsEnded: 3 });
    for (const s of sessions) expect(await actorFromSession(s.secret)).toBeNull();
    expect(await db.session.count({ where: { userId: pat.id } })).toBe(0);
    expect(await authenticate("pat", "pats-second-password")).toBeNull();
    expect(await authenticate("pat", "set-by-the-admin")).toMatchObject({ username: "pat" });
    expect(await db.auditEntry.findFirstOrThrow({ where: { action: "user.password_reset", targetName: "pat" } })).toMatchObject({ actorName: "test-admin", after: { sessionsEnded: 3 } });
    expect(JSON.stringify(await db.auditEntry.findMany())).not.toContain("set-by-the-admin");
  });
});
