import { afterEach, describe, expect, it, vi } from "vitest";
import { parseFleet } from "@/lib/fleet/parse";
import { operator } from "@/lib/testing/actors";
import { applyFleet } from "./fleet-apply";
import { createRelease, createVersion, getRelease, setVersionStatus } from "./releases";

// "Latest" is the version activated last. The clock is frozen here (only Date: timers and I/O run
// normally), so every activation happens in the same millisecond: the order must still hold.

const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["e1000"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
const latest = async (name: string) => (await getRelease(operator, name)).versions.find((x) => x.isLatest)?.version;

describe("activation order", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("versions activated within one millisecond: the one activated last is latest, with a strictly later time", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-26T12:00:00.000Z") });
    await createRelease(operator, { name: "same-ms", tree: "/afs/example.org/boot/same-ms", notes: "" });
    await createVersion(operator, "same-ms", { ...v, version: "1" }, { activate: true });
    await createVersion(operator, "same-ms", { ...v, version: "2" }, { activate: true });
    expect(await latest("same-ms")).toBe("2");
    // activating an older draft later makes it the latest, though the clock has not moved
    await createVersion(operator, "same-ms", { ...v, version: "0" });
    await setVersionStatus(operator, "same-ms", "0", "active");
    expect(await latest("same-ms")).toBe("0");
    const times = Object.fromEntries((await getRelease(operator, "same-ms")).versions.map((x) => [x.version, x.activatedAt?.toISOString()]));
    expect(times).toEqual({ "1": "2026-11-26T12:00:00.000Z", "2": "2026-11-26T12:00:00.001Z", "0": "2026-11-26T12:00:00.002Z" });
  });

  it("a clock set back does not reorder: the next activation still comes after the last one", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-26T12:00:00.000Z") });
    await createRelease(operator, { name: "clock-back", tree: "/afs/example.org/boot/clock-back", notes: "" });
    await createVersion(operator, "clock-back", { ...v, version: "1" }, { activate: true });
    vi.setSystemTime(new Date("2026-11-26T11:00:00.000Z"));
    await createVersion(operator, "clock-back", { ...v, version: "2" }, { activate: true });
    expect(await latest("clock-back")).toBe("2");
  });

  it("a fleet file activating several versions at once: the last one listed is latest", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-26T12:00:00.000Z") });
    const version = (label: string) => `      - { version: "${label}", kernel: vmlinuz, baseInitrd: initrd.img, modules: [e1000], readonly: [usr], writable: [etc] }`;
    const parsed = parseFleet(["releases:", "  - name: fleet-ms", "    tree: /afs/example.org/boot/fleet-ms", "    versions:", ...["3", "1", "2"].map(version), ""].join("\n"));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await applyFleet(operator, parsed.fleet);
    expect(await latest("fleet-ms")).toBe("2");
  });
});

describe("what activating and retiring do to the hosts following the latest version", () => {
  it("counts the followers that move, refuses when the confirmed count is stale, and records it in the audit log", async () => {
    const { seedInventory, hostIn } = await import("@/lib/testing/fleet-fixtures");
    const { enrollHosts } = await import("./host-bulk");
    const { db } = await import("@/lib/db");
    await seedInventory(); // rh-7.3: version 1 active, 2 a draft
    await enrollHosts(operator, [hostIn(1), hostIn(2), hostIn(3, { release: { release: "rh-7.3", version: "1" } })]);
    const draft = (await getRelease(operator, "rh-7.3")).versions.find((x) => x.version === "2")!;
    expect(draft.statusEffect).toEqual({ moved: 2, from: "1", to: "2" }); // the pinned host stays
    await enrollHosts(operator, [hostIn(4)]);
    await expect(setVersionStatus(operator, "rh-7.3", "2", "active", { expectMoved: 2 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("3 host(s) would move now, not 2") });
    expect((await getRelease(operator, "rh-7.3")).versions.find((x) => x.version === "2")!.status).toBe("draft");
    const done = await setVersionStatus(operator, "rh-7.3", "2", "active", { expectMoved: 3 });
    expect(done.hostsMoved).toEqual({ moved: 3, from: "1", to: "2" });
    const audit = await db.auditEntry.findFirstOrThrow({ where: { action: "version.activate", targetName: "rh-7.3@2" } });
    expect(JSON.stringify(audit)).toContain("hostsMoved");
    const after = await getRelease(operator, "rh-7.3");
    expect(after.versions.find((x) => x.version === "2")!.statusEffect).toEqual({ moved: 3, from: "2", to: "1" }); // retiring it hands them back
    expect(after.versions.find((x) => x.version === "1")!.statusEffect).toEqual({ moved: 0, from: "2", to: "2" }); // not the latest: nobody moves
    expect((await setVersionStatus(operator, "rh-7.3", "2", "retired")).hostsMoved).toEqual({ moved: 3, from: "2", to: "1" });
  });
});
