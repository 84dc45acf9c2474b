import { describe, expect, it } from "vitest";
import { hostReportToken, verifyHostReportToken } from "./host-token";
import { hashPassword, verifyPassword } from "./password";
import { hasRole } from "./roles";
import { newApiToken, safeEqual, sha256Hex } from "./secrets";
import { FailureThrottle } from "./throttle";

describe("passwords", () => {
  it("hashes with argon2id and verifies", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^\$argon2id\$/);
    expect(h).not.toContain("correct horse");
    expect(await verifyPassword(h, "correct horse battery")).toBe(true);
    expect(await verifyPassword(h, "wrong")).toBe(false);
  });
  it("an unknown user never verifies, and costs a real hash", async () => {
    const t0 = performance.now();
    expect(await verifyPassword(null, "anything")).toBe(false);
    expect(performance.now() - t0).toBeGreaterThan(5);
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

describe("FailureThrottle", () => {
  it("locks a key after the limit and releases it after the window", () => {
    const t = new FailureThrottle(3, 1000);
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfter("u", 100)).toBe(0);
      t.fail("u", 100 + i);
    }
    expect(t.retryAfter("u", 200)).toBeGreaterThan(0);
    expect(t.retryAfter("other", 200)).toBe(0);
    expect(t.retryAfter("u", 1200)).toBe(0);
  });
  it("clear resets a key", () => {
    const t = new FailureThrottle(1, 1000);
    t.fail("u", 0);
    t.clear("u");
    expect(t.retryAfter("u", 1)).toBe(0);
  });
});
