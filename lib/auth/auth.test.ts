import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { verify } from "@node-rs/argon2";
import { hostReportToken, verifyHostReportToken } from "./host-token";
import { hashPassword, verifyPassword } from "./password";
import { hasRole, pageRole } from "./roles";
import { newApiToken, safeEqual, sha256Hex } from "./secrets";

// argon2 as it is, watched: which hash verifyPassword checks against
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@node-rs/argon2")>();
  return { ...actual, verify: vi.fn(actual.verify) };
});

describe("passwords", () => {
  it("hashes with argon2id and verifies", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^\$argon2id\$/);
    expect(h).not.toContain("correct horse");
    expect(await verifyPassword(h, "correct horse battery")).toBe(true);
    expect(await verifyPassword(h, "wrong")).toBe(false);
  });
  it("an unknown user never verifies, and costs a real hash", async () => {
    // the same work as a real check, shown by what is verified rather than by the clock: an
    // argon2id hash with the parameters hashPassword uses (m, t, p), of a password nobody knows
    const params = (h: string) => h.split("$").slice(1, 4);
    const real = await hashPassword("whatever");
    vi.mocked(verify).mockClear();
    expect(await verifyPassword(null, "anything")).toBe(false);
    expect(vi.mocked(verify)).toHaveBeenCalledTimes(1);
    const [dummy, password] = vi.mocked(verify).mock.calls[0]!;
    expect(password).toBe("anything");
    expect(params(String(dummy))).toEqual(params(real));
    expect(await vi.mocked(verify).mock.results[0]!.value).toBe(false); // really verified (no error: a real hash)
  });
  it("a corrupt stored hash fails closed", async () => expect(await verifyPassword("nope", "x")).toBe(false));
});

describe("roles", () => {
  it("admin ⊇ operator ⊇ viewer", () => {
    expect(hasRole("admin", "operator")).toBe(true);
    expect(hasRole("operator", "viewer")).toBe(true);
    expect(hasRole("operator", "admin")).toBe(false);
    expect(hasRole("viewer", "operator")).toBe(false);
  });
  it("the console layout's table of page roles matches every page's own check", () => {
    const root = path.resolve(__dirname, "../../app/(console)");
    const pages = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => /(^|\/)page\.tsx$/.test(f));
    expect(pages.length).toBeGreaterThan(20);
    const checked: string[] = [];
    for (const file of pages) {
      const own = /requireActor\("(\w+)"\)/.exec(readFileSync(path.join(root, file), "utf8"))?.[1] ?? "viewer";
      // app/(console)/releases/[name]/versions/new/page.tsx → /releases/x/versions/new
      const route = `/${path.dirname(file)}`
        .replace(/\/\.$/, "/")
        .replace(/\[[^\]]+\]/g, "x")
        .replace(/^\/\.?$/, "/");
      expect(pageRole(route), file).toBe(own);
      if (own !== "viewer") checked.push(route);
    }
    expect(checked).toContain("/settings/users");
    // a host, network, cell or release named like a page's segment is not mistaken for it
    expect(pageRole("/hosts/newer")).toBe("viewer");
    expect(pageRole("/releases/new/versions")).toBe("viewer");
  });
});

describe("secrets", () => {
  it("API tokens: prefix, stored hash differs from the token", () => {
    const t = newApiToken();
    expect(t.token).toMatch(/^afsb_[A-Za-z0-9_-]{40}$/);
    expect(t.hash).toBe(sha256Hex(t.token));
    expect(t.token.startsWith(t.prefix)).toBe(true);
    expect(newApiToken().token).not.toBe(t.token);
  });
  it("safeEqual", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("host report tokens", () => {
  const secret = Buffer.from("s".repeat(64));
  it("are re-derivable and change with the generation and the secret", () => {
    const a = hostReportToken(secret, "host1", 1);
    expect(hostReportToken(secret, "host1", 1)).toBe(a);
    expect(hostReportToken(secret, "host1", 2)).not.toBe(a);
    expect(hostReportToken(secret, "host2", 1)).not.toBe(a);
    expect(hostReportToken(Buffer.from("t".repeat(64)), "host1", 1)).not.toBe(a);
  });
  it("verify accepts only the current token", () => {
    const t = hostReportToken(secret, "host1", 3);
    expect(verifyHostReportToken(secret, "host1", 3, t)).toBe(true);
    expect(verifyHostReportToken(secret, "host1", 2, t)).toBe(false);
    expect(verifyHostReportToken(secret, "host1", 3, t.slice(1))).toBe(false);
  });
});
