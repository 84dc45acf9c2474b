import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { verifyPassword } from "@/lib/auth/password";
import { db } from "@/lib/db";

// The real `afsboot` launcher against this test file's database.
const bin = path.resolve("bin/afsboot.mjs");
const run = (args: string[], input = "") => spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", env: { ...process.env }, timeout: 30_000 });

describe("afsboot CLI", { timeout: 120_000 }, () => {
  it("--help lists the commands", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/user/);
    expect(r.stdout).toMatch(/token/);
  });

  it("user add reads the password from stdin and stores a hash", async () => {
    const r = run(["user", "add", "carol", "--role", "operator"], "a-long-password\n");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("created user carol (operator)");
    const u = await db.user.findUniqueOrThrow({ where: { username: "carol" } });
    expect(u.role).toBe("operator");
    expect(u.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await db.auditEntry.count({ where: { action: "user.create", targetName: "carol", actorType: "cli" } })).toBe(1);
  });

  it("refuses bad input with a message and a non-zero exit, creating nothing", async () => {
    const short = run(["user", "add", "dave", "--role", "viewer"], "short\n");
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/at least 10 characters/);
    const role = run(["user", "add", "dave", "--role", "root"], "a-long-password\n");
    expect(role.status).not.toBe(0);
    expect(role.stderr).toMatch(/admin, operator, viewer|Allowed choices/);
    const dup = run(["user", "add", "carol", "--role", "viewer"], "a-long-password\n");
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toMatch(/already taken/);
    expect(await db.user.count({ where: { username: "dave" } })).toBe(0);
  });

  it("user passwd sets a password from stdin, ends the user's sessions, audits; bad input changes nothing", async () => {
    const carol = await db.user.findUniqueOrThrow({ where: { username: "carol" } });
    await db.session.createMany({
      data: ["s1", "s2"].map((id) => ({ id: `${id}-${carol.id}`, userId: carol.id, expiresAt: new Date(Date.now() + 3600_000) })),
    });
    const short = run(["user", "passwd", "carol"], "short\n");
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/at least 10 characters/);
    const unknown = run(["user", "passwd", "nobody"], "another-long-password\n");
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/User nobody does not exist/);
    expect((await db.user.findUniqueOrThrow({ where: { username: "carol" } })).passwordHash).toBe(carol.passwordHash);
    expect(await db.session.count({ where: { userId: carol.id } })).toBe(2);

    const r = run(["user", "passwd", "carol"], "another-long-password\n");
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("changed the password of carol; 2 sessions ended");
    expect(await db.session.count({ where: { userId: carol.id } })).toBe(0);
    const after = await db.user.findUniqueOrThrow({ where: { username: "carol" } });
    expect(after.passwordHash).not.toBe(carol.passwordHash);
    expect(await verifyPassword(after.passwordHash, "another-long-password")).toBe(true);
    const audit = await db.auditEntry.findMany({ where: { action: "user.password_reset", targetName: "carol", actorType: "cli" } });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain("another-long-password");
  });

  it("token create prints a working token once; the database holds only its hash", async () => {
    const r = run(["token", "create", "backup", "--role", "viewer"]);
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^afsb_/);
    const row = await db.apiToken.findUniqueOrThrow({ where: { name: "backup" } });
    expect(row.tokenHash).not.toBe(token);
    const list = run(["token", "list"]);
    expect(list.stdout).toMatch(/^backup\tviewer\t/m);
    expect(list.stdout).not.toContain(token);
    expect(run(["token", "revoke", "backup"]).status).toBe(0);
    expect((await db.apiToken.findUniqueOrThrow({ where: { name: "backup" } })).revokedAt).not.toBeNull();
  });
});
