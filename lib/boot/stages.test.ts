import { describe, expect, it } from "vitest";
import { bootedVsAssigned, effectiveState, stageTimeline, stallSeconds, summarizeBoot, type EventFacts, type Stage } from "./stages";

const t0 = Date.parse("2026-11-26T10:00:00Z");
const ev = (stage: Stage, s: number, over: Partial<EventFacts> = {}): EventFacts => ({
  stage,
  failedStage: null,
  at: new Date(t0 + s * 1000),
  message: null,
  initrdSha256: null,
  releaseVersion: null,
  ip: null,
  ...over,
});

describe("boot summaries", () => {
  it("a boot through up, reported out of order, sums up the same", () => {
    const events = [
      ev("initrd", 3, { initrdSha256: "a".repeat(64), releaseVersion: "deb-12@3", ip: "10.0.0.11" }),
      ev("network", 4),
      ev("afs", 9),
      ev("root", 12),
      ev("switch", 13),
      ev("up", 40),
    ];
    const s = summarizeBoot(events);
    expect(summarizeBoot([...events].reverse())).toEqual(s);
    expect(s).toMatchObject({
      state: "up",
      currentStage: "up",
      failedStage: null,
      initrdSha256: "a".repeat(64),
      releaseVersion: "deb-12@3",
      clientIp: "10.0.0.11",
    });
    expect(s.startedAt.getTime()).toBe(t0 + 3000);
    expect(s.finishedAt!.getTime()).toBe(t0 + 40_000);
    expect(stageTimeline(events).map((x) => `${x.stage}:${x.ms}`)).toEqual(["initrd:null", "network:1000", "afs:5000", "root:3000", "switch:1000", "up:27000"]);
  });

  it("a failure names its stage and message and ends the boot", () => {
    const s = summarizeBoot([ev("initrd", 1), ev("network", 2), ev("failed", 30, { failedStage: "afs", message: "afs: cannot mount root.cell" })]);
    expect(s).toMatchObject({ state: "failed", currentStage: "afs", failedStage: "afs", message: "afs: cannot mount root.cell" });
    expect(stageTimeline([ev("initrd", 1), ev("failed", 30, { failedStage: "afs" })]).at(-1)).toMatchObject({ stage: "afs", failed: true, ms: 29_000 });
  });

  it("a booting boot without news past its stage's limit is stalled, when read", () => {
    const boot = { state: "booting", currentStage: "afs", lastEventAt: new Date(t0) };
    expect(effectiveState(boot, new Date(t0 + 299_000))).toBe("booting");
    expect(effectiveState(boot, new Date(t0 + 301_000))).toBe("stalled");
    expect(effectiveState({ ...boot, state: "up", currentStage: "up" }, new Date(t0 + 1e9))).toBe("up");
    expect(effectiveState(boot, new Date(t0 + 61_000), stallSeconds("afs=60"))).toBe("stalled");
  });

  it("AFSBOOT_STALL_SECONDS is checked", () => {
    expect(stallSeconds("afs=600, switch=1200")).toMatchObject({ afs: 600, switch: 1200, pxe: 180 });
    for (const bad of ["afs", "afs=x", "up=60", "afs=5", "bogus=60"]) expect(() => stallSeconds(bad)).toThrow(/AFSBOOT_STALL_SECONDS/);
  });
});

describe("bootedVsAssigned", () => {
  it("names the release the host booted, not the one it is assigned now", () => {
    const moved = bootedVsAssigned({ release: "rh-7.4", assignedVersion: "2", assignedInitrdSha256: null }, { releaseVersion: "rh-7.3@2", initrdSha256: null });
    expect(moved).toMatchObject({ bootedRelease: "rh-7.3", bootedVersion: "2", bootedLabel: "rh-7.3@2", rebootPending: true });
    const same = bootedVsAssigned({ release: "rh-7.4", assignedVersion: "2", assignedInitrdSha256: null }, { releaseVersion: "rh-7.4@2", initrdSha256: null });
    expect(same).toMatchObject({ bootedLabel: "rh-7.4@2", rebootPending: false });
    // a hand-made report with the version alone is taken as the assigned tree's
    expect(
      bootedVsAssigned({ release: "rh-7.4", assignedVersion: "2", assignedInitrdSha256: null }, { releaseVersion: "1", initrdSha256: null }).bootedLabel,
    ).toBe("rh-7.4@1");
    expect(
      bootedVsAssigned({ release: "rh-7.4", assignedVersion: "2", assignedInitrdSha256: null }, { releaseVersion: null, initrdSha256: null }).bootedLabel,
    ).toBeNull();
  });
});
