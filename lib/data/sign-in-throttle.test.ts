import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { SignInThrottle } from "./sign-in-throttle";

// The sign-in throttle keeps its counts in the database: two throttles (two console replicas)
// share them. Times are passed in, so no test waits for a window to pass.

const T0 = new Date("2026-12-05T10:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

describe("sign-in throttle (in the database)", () => {
  it("refuses an address past its limit until the oldest counted try leaves the window; another address is not affected", async () => {
    const t = new SignInThrottle({ address: 3, account: 10, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect("settle" in (await t.begin(`user${i}`, "192.0.2.1", at(i * 1000)))).toBe(true);
    const refused = await t.begin("user9", "192.0.2.1", at(5000));
    expect(refused).toEqual({ wait: 55_000 });
    expect("settle" in (await t.begin("user9", "192.0.2.2", at(5000)))).toBe(true);
    expect("settle" in (await t.begin("user9", "192.0.2.1", at(60_001)))).toBe(true);
  });

  it("a limit used up through one replica holds on the other", async () => {
    const one = new SignInThrottle({ address: 30, account: 2, windowMs: 60_000 });
    const two = new SignInThrottle({ address: 30, account: 2, windowMs: 60_000 });
    expect("settle" in (await one.begin("alice", "192.0.2.10", at(0)))).toBe(true);
    expect("settle" in (await two.begin("Alice", "192.0.2.10", at(1)))).toBe(true);
    expect(await one.begin("alice", "192.0.2.10", at(2))).toHaveProperty("wait");
    expect(await two.begin("alice", "192.0.2.10", at(3))).toHaveProperty("wait");
  });

  it("parallel tries at one address: no more than the limit are let through", async () => {
    const t = new SignInThrottle({ address: 5, account: 100, windowMs: 60_000 });
    const tries = await Promise.all(Array.from({ length: 20 }, (_, i) => t.begin(`p${i}`, "192.0.2.20", at(i))));
    expect(tries.filter((r) => "settle" in r)).toHaveLength(5);
  });

  it("a right password clears the account's count at that address and gives the address its try back; prune drops old tries", async () => {
    const t = new SignInThrottle({ address: 2, account: 2, windowMs: 60_000 });
    const first = await t.begin("bob", "192.0.2.30", at(0));
    const second = await t.begin("bob", "192.0.2.30", at(1));
    if (!("settle" in first) || !("settle" in second)) throw new Error("expected tickets");
    await first.settle(false);
    await second.settle(true);
    expect("settle" in (await t.begin("bob", "192.0.2.30", at(2)))).toBe(true);
    expect(await db.signInAttempt.count({ where: { key: "ip:192.0.2.30" } })).toBe(2);
    expect(await t.prune(at(120_000))).toBeGreaterThan(0);
    expect(await db.signInAttempt.count({ where: { key: { endsWith: "192.0.2.30" } } })).toBe(0);
  });
});
