import { describe, expect, it } from "vitest";
import { DEFAULT_STALL_SECONDS } from "@/lib/boot/stages";
import { decideRollback, decideWave, judgeHost, waveLimit, type BootFacts, type GateSettings, type HostWatch } from "./gate";

const T0 = new Date("2026-12-05T12:00:00Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const SHA = "a".repeat(64);
const watch: HostWatch = { since: T0, sinceWhat: "power cycle", expectedVersion: "rh-7.3@2", expectedInitrdSha256: SHA };
const limits = { reportDeadlineSeconds: 300, upDeadlineSeconds: 900, stall: DEFAULT_STALL_SECONDS };
const boot = (over: Partial<BootFacts> = {}): BootFacts => ({
  id: "b1",
  state: "booting",
  currentStage: "initrd",
  failedStage: null,
  message: null,
  startedAt: at(20),
  lastEventAt: at(30),
  initrdSha256: SHA,
  releaseVersion: "rh-7.3@2",
  ...over,
});

describe("judgeHost", () => {
  it("up on the overlay and version it was given: up", () => {
    expect(judgeHost(watch, [boot({ state: "up", currentStage: "up" })], at(60), limits)).toEqual({
      outcome: "up",
      reason: null,
      stage: "up",
      bootRowId: "b1",
    });
    // a hand-made report names the version alone: read as of the expected release
    expect(judgeHost(watch, [boot({ state: "up", releaseVersion: "2" })], at(60), limits).outcome).toBe("up");
  });

  it("ignores the boots of the old system, from before the power cycle", () => {
    expect(judgeHost(watch, [boot({ state: "up", startedAt: at(-100), releaseVersion: "rh-7.3@1" })], at(60), limits).outcome).toBe("waiting");
  });

  it("fails each kind of failure, with the reason in words", () => {
    const j = (boots: BootFacts[], now = at(60), w = watch) => judgeHost(w, boots, now, limits);
    expect(j([boot({ state: "failed", currentStage: "afs", failedStage: "afs", message: "cell unreachable" })])).toMatchObject({
      outcome: "failed",
      reason: "failed at afs: cell unreachable",
      stage: "afs",
    });
    expect(j([boot({ currentStage: "afs", lastEventAt: at(30) })], at(400)).reason).toBe("stalled at afs (no report for 370 s, the limit is 300 s)");
    expect(j([boot({ state: "up", releaseVersion: "rh-7.3@1" })]).reason).toBe("up on rh-7.3@1, expected rh-7.3@2");
    expect(j([boot({ state: "up", initrdSha256: "b".repeat(64) })]).reason).toMatch(
      /^up on rh-7\.3@2 but with overlay bbbbbbbbbbbb…, expected aaaaaaaaaaaa… \(a stale overlay\)$/,
    );
    expect(j([boot({ state: "up", initrdSha256: null })]).reason).toMatch(/without reporting its overlay's sha256/);
    expect(j([], at(301)).reason).toBe("no report (dhcp, pxe or initrd) within 300 s of its power cycle");
    expect(j([], at(301), { ...watch, unconfirmedCycle: true }).reason).toMatch(/the cycle may not have happened/);
    expect(j([], at(301), { ...watch, sinceWhat: "publication" }).reason).toMatch(/of its publication$/);
    // still reporting, each stage within its limit, but not up by the up deadline
    expect(j([boot({ currentStage: "switch", lastEventAt: at(890) })], at(901)).reason).toBe("not up within 900 s of its power cycle (reached switch)");
  });

  it("waits while a boot is under way within its limits, or no report yet within the deadline", () => {
    expect(judgeHost(watch, [], at(299), limits)).toMatchObject({ outcome: "waiting", stage: null });
    expect(judgeHost(watch, [boot({ currentStage: "afs", lastEventAt: at(100) })], at(200), limits)).toMatchObject({
      outcome: "waiting",
      stage: "afs",
      bootRowId: "b1",
    });
  });

  it("the first boot that ended decides; a boot left quiet and replaced by a newer one is followed", () => {
    const quiet = boot({ id: "old", currentStage: "dhcp", lastEventAt: at(25) });
    const newer = boot({ id: "new", startedAt: at(400), lastEventAt: at(410), state: "up", currentStage: "up" });
    expect(judgeHost(watch, [newer, quiet], at(420), limits)).toMatchObject({ outcome: "up", bootRowId: "new" });
    const failedFirst = boot({ id: "f", state: "failed", failedStage: "root", currentStage: "root" });
    expect(judgeHost(watch, [newer, failedFirst], at(420), limits)).toMatchObject({ outcome: "failed", bootRowId: "f" });
  });
});

const settings: GateSettings = { canary: 1, canaryMaxFailures: 0, maxFailures: 1, maxFailurePercent: null, rollback: true };

describe("decideWave", () => {
  it("takes the canary's limit for wave 0, a count or a percentage of the wave after", () => {
    expect(waveLimit(settings, 0, 1)).toBe(0);
    expect(waveLimit(settings, 1, 10)).toBe(1);
    expect(waveLimit({ ...settings, maxFailurePercent: 25 }, 1, 10)).toBe(2);
    expect(waveLimit({ ...settings, canary: 0 }, 0, 10)).toBe(1);
  });

  it("halts as soon as the failures exceed the limit, and says so in words", () => {
    const hosts = [
      { name: "node006", outcome: "up" as const, reason: null },
      { name: "node007", outcome: "failed" as const, reason: "failed at afs: cell unreachable" },
      { name: "node008", outcome: "waiting" as const, reason: null },
    ];
    expect(decideWave({ ...settings, maxFailures: 0 }, 2, hosts)).toEqual({
      kind: "halted",
      text: "Wave 2: 1 of 3 hosts failed (node007: failed at afs: cell unreachable); the limit is 0: halted, rolling back",
    });
    expect(decideWave({ ...settings, maxFailures: 0, rollback: false }, 2, hosts).text).toMatch(/halted, waiting for an admin$/);
    expect(decideWave(settings, 2, hosts)).toMatchObject({ kind: "waiting", text: "Wave 2: 1 of 3 hosts up, 1 failed, 1 under way; the limit is 1" });
    expect(
      decideWave(
        settings,
        2,
        hosts.map((h) => (h.outcome === "waiting" ? { ...h, outcome: "up" as const } : h)),
      ),
    ).toEqual({
      kind: "passed",
      text: "Wave 2: 2 of 3 hosts up, 1 failed (node007: failed at afs: cell unreachable); the limit is 1: passed",
    });
    expect(decideWave(settings, 0, [{ name: "node001", outcome: "failed", reason: "x" }]).text).toBe(
      "Canary: 1 of 1 host failed (node001: x); the limit is 0: halted, rolling back",
    );
  });

  it("tells a rollback's end once every host is back or not", () => {
    expect(decideRollback(0, 1, [{ name: "a", outcome: "waiting", reason: null }])).toBeNull();
    expect(decideRollback(0, 1, [{ name: "a", outcome: "up", reason: null }])).toBe("Rollback of the canary: 1 of 1 host back on their previous version");
    expect(
      decideRollback(2, 1, [
        { name: "a", outcome: "up", reason: null },
        { name: "b", outcome: "failed", reason: "failed at afs" },
      ]),
    ).toBe("Rollback of wave 2: 1 of 2 hosts back on their previous version; 1 did not come back (b: failed at afs)");
  });
});
