import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { db } from "@/lib/db";

// The real `afsboot` launcher against this test file's database.
const bin = path.resolve("bin/afsboot.mjs");
const run = (args: string[], input = "") =>
  spawnSync(process.execPath, [bin, ...args], { input, encoding: "utf8", env: { ...process.env }, timeout: 30_000 });

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
