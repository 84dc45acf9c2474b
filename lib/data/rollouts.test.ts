import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import type { RolloutState } from "@/lib/generated/prisma/client";
import { operator, viewer } from "@/lib/testing/actors";
import { bootWaiting as bootWaitingAs, driveRollout, seedRolloutFleet, testClock, type Behave } from "@/lib/testing/rollout-fixtures";
import { scriptBmc } from "@/lib/testing/script-bmc";
import { LEASE_MS, tickRollouts } from "./rollout-driver";
import { startRollout } from "@/lib/validation/rollout";
import { getRollout, listRollouts, moveRollout, previewRollout, rolloutsOfVersion, startRolloutFor } from "./rollouts";

// Whole rollouts on SQLite, driven by ticks this test makes itself at times it chooses (no
// wall-clock waits), with a shell script as every host's BMC (its log proves which hosts were
// power-cycled, how often) and the hosts' boots reported through the real ingest path.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-rollouts-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const bmc = scriptBmc(path.join(root, "bmc"));
const clock = testClock();
const later = clock.later;

beforeAll(async () => {
  await seedRolloutFleet(root, 24, later(-3600));
});

const nodes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `node${String(from + i).padStart(3, "0")}`);
const cycles = (host: string) => bmc.lines().filter((l) => l === `${host} cycle`).length;

const drive = (id: string, behave: Behave, until: RolloutState[], owner = "test-owner") => driveRollout(id, behave, until, { clock, power: bmc.port, owner });
const bootWaiting = (id: string, behave: Behave, booted?: Set<string>) => bootWaitingAs(id, behave, clock, booted);

const start = (hosts: string[], over: Record<string, unknown> = {}) =>
  startRolloutFor(operator, startRollout.parse({ version: "rh-7.3@2", selector: { hosts }, canary: 1, wave: 1, ...over }));

describe("rollouts", () => {
  it("previews the waves without writing; a rollout comes up wave by wave, each host cycled once, and completes", async () => {
    const before = await db.rollout.count();
    const preview = await previewRollout(operator, startRollout.parse({ version: "rh-7.3@2", selector: { hosts: nodes(1, 5) }, canary: 1, wave: 2 }));
    expect(preview).toEqual({
      version: "rh-7.3@2",
      mode: "power",
      hostCount: 5,
      waves: [
        { index: 0, label: "Canary", hosts: ["node001"] },
        { index: 1, label: "Wave 1", hosts: ["node002", "node003"] },
        { index: 2, label: "Wave 2", hosts: ["node004", "node005"] },
      ],
    });
    expect(await db.rollout.count()).toBe(before);

    const r = await start(nodes(1, 5), { wave: 2 });
    expect(r).toMatchObject({ state: "running", waves: 3, hostCount: 5, counts: { pending: 5 } });
    const end = await drive(r.id, () => "up", ["completed", "halted", "rolling_back"]);
    expect(end.state).toBe("completed");
    expect(end.decision).toBe("Wave 2: 2 of 2 hosts up, 0 failed; the limit is 0: passed");
    for (const h of nodes(1, 5)) expect(cycles(h)).toBe(1);
    const detail = await getRollout(viewer, r.id);
    expect(detail.counts).toEqual({ up: 5 });
    expect(detail.waveList.map((w) => [w.label, w.hosts.map((h) => `${h.name}:${h.state}:${h.stage}:${h.previousVersion}`)])).toEqual([
      ["Canary", ["node001:up:up:rh-7.3@1"]],
      ["Wave 1", ["node002:up:up:rh-7.3@1", "node003:up:up:rh-7.3@1"]],
      ["Wave 2", ["node004:up:up:rh-7.3@1", "node005:up:up:rh-7.3@1"]],
    ]);
    const pins = await db.host.findMany({ where: { name: { in: nodes(1, 5) } }, select: { pinnedVersion: { select: { version: true } } } });
    expect(pins.every((p) => p.pinnedVersion?.version === "2")).toBe(true);
    const actions = (await db.auditEntry.findMany({ where: { targetType: "rollout", targetId: r.id }, select: { action: true } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["rollout.start", "rollout.assign", "rollout.publish", "rollout.cycle", "rollout.verdict", "rollout.wave", "rollout.complete"]));
    // the host's own audit trail finds the rollout's actions on it
    const node003 = await db.host.findUniqueOrThrow({ where: { name: "node003" } });
    expect(await db.auditHost.count({ where: { hostId: node003.id } })).toBeGreaterThanOrEqual(3);
    expect((await listRollouts(viewer)).items.find((x) => x.id === r.id)).toMatchObject({ state: "completed", hostCount: 5, counts: { up: 5 } });
  });

  it("a canary that fails halts the rollout and rolls it back to the version it booted; later waves are skipped, never cycled", async () => {
    const r = await start(nodes(6, 8), { version: "rh-7.3@3", rollback: true });
    const end = await drive(r.id, (_h, v) => (v === "rh-7.3@3" ? "fail" : "up"), ["rolled_back", "completed", "halted"]);
    expect(end.state).toBe("rolled_back");
    expect(end.decision).toBe(
      "Canary: 1 of 1 host failed (node006: failed at afs: cannot mount the tree at afs); the limit is 0: halted, rolling back. Rollback of the canary: 1 of 1 host back on their previous version",
    );
    const detail = await getRollout(viewer, r.id);
    expect(detail.waveList.flatMap((w) => w.hosts.map((h) => `${h.name}:${h.state}`))).toEqual(["node006:rolled_back", "node007:skipped", "node008:skipped"]);
    expect(detail.waveList[0]!.hosts[0]!.reason).toBe("failed at afs: cannot mount the tree at afs");
    expect([cycles("node006"), cycles("node007"), cycles("node008")]).toEqual([2, 0, 0]);
    const node006 = await db.host.findUniqueOrThrow({ where: { name: "node006" }, select: { pinnedVersion: { select: { version: true } } } });
    expect(node006.pinnedVersion?.version).toBe("1");
  });

  it("without rollback a failed canary halts and waits; the admin rolls it back on demand (a halted rollout does not resume)", async () => {
    const r = await start(nodes(9, 10), { version: "rh-7.3@3" });
    const halted = await drive(r.id, (_h, v) => (v === "rh-7.3@3" ? "fail" : "up"), ["halted", "completed"]);
    expect(halted.state).toBe("halted");
    expect(halted.decision).toMatch(/^Canary: 1 of 1 host failed \(node009: failed at afs: .*\); the limit is 0: halted, waiting for an admin$/);
    // more ticks touch nothing
    await drive(r.id, () => "up", ["halted"]);
    for (let i = 0; i < 3; i++) await tickRollouts("test-owner", { now: later(60), power: bmc.port });
    expect([cycles("node009"), cycles("node010")]).toEqual([1, 0]);
    await expect(moveRollout(operator, r.id, "resume")).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/is halted: only a paused rollout can be resumed/) });
    await expect(moveRollout(viewer, r.id, "rollback")).rejects.toMatchObject({ status: 403 });
    expect((await moveRollout(operator, r.id, "rollback")).state).toBe("rolling_back");
    const end = await drive(r.id, () => "up", ["rolled_back"]);
    expect(end.decision).toMatch(/Rollback of the canary: 1 of 1 host back on their previous version$/);
    expect([cycles("node009"), cycles("node010")]).toEqual([2, 0]);
    expect((await db.rolloutHost.findFirstOrThrow({ where: { rolloutId: r.id, hostName: "node010" } })).state).toBe("skipped");
  });

  it("pause stops new waves while cycled hosts are still watched; resume goes on; abort skips what is left", async () => {
    const r = await start(nodes(11, 14));
    await tickRollouts("test-owner", { now: later(5), power: bmc.port });
    expect(cycles("node011")).toBe(1);
    expect((await moveRollout(operator, r.id, "pause")).state).toBe("paused");
    await bootWaiting(r.id, () => "up");
    for (let i = 0; i < 3; i++) await tickRollouts("test-owner", { now: later(5), power: bmc.port });
    let detail = await getRollout(viewer, r.id);
    expect(detail).toMatchObject({ state: "paused", currentWave: 1 });
    expect(detail.waveList[0]!.hosts[0]!.state).toBe("up");
    expect(cycles("node012")).toBe(0);
    await expect(moveRollout(operator, r.id, "pause")).rejects.toMatchObject({ status: 409 });
    await moveRollout(operator, r.id, "resume");
    await tickRollouts("test-owner", { now: later(5), power: bmc.port });
    expect(cycles("node012")).toBe(1);
    detail = await moveRollout(operator, r.id, "abort");
    expect(detail.state).toBe("aborted");
    expect(detail.waveList.map((w) => w.hosts[0]!.state)).toEqual(["up", "waiting", "skipped", "skipped"]);
    // the host in flight is still watched to its end; nothing else is touched
    await bootWaiting(r.id, () => "up");
    await tickRollouts("test-owner", { now: later(5), power: bmc.port });
    detail = await getRollout(viewer, r.id);
    expect(detail.waveList.map((w) => w.hosts[0]!.state)).toEqual(["up", "up", "skipped", "skipped"]);
    expect([cycles("node013"), cycles("node014")]).toEqual([0, 0]);
    await expect(moveRollout(operator, r.id, "abort")).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/already over/) });
  });

  it("a BMC that fails counts as its host's failure; a wave within its percentage limit passes", async () => {
    bmc.breakHosts(["node016"]);
    const r = await start(nodes(15, 16), { canary: 0, wave: 2, maxFailures: "50%" });
    const end = await drive(r.id, () => "up", ["completed", "halted"]);
    expect(end.state).toBe("completed");
    expect(end.decision).toBe("Wave 1: 1 of 2 hosts up, 1 failed (node016: power cycle failed: no answer from the BMC of node016); the limit is 1: passed");
  });

  it("manual mode publishes and waits for the hosts' own reboots, with the same gate: no report by the deadline fails", async () => {
    await db.host.updateMany({ where: { name: { in: nodes(17, 18) } }, data: { bmcDriver: null, bmcAddress: null } });
    await expect(start(nodes(17, 18))).rejects.toMatchObject({ status: 422, message: "2 hosts node017, node018 have no BMC: set their BMC, or start a manual rollout (they reboot by themselves)" });
    const lines = bmc.lines().length;
    const r = await start(nodes(17, 18), { mode: "manual", reportDeadlineSeconds: 30, upDeadlineSeconds: 60 });
    const end = await drive(r.id, () => "silent", ["halted", "completed"]);
    expect(end.decision).toBe("Canary: 1 of 1 host failed (node017: no report (dhcp, pxe or initrd) within 30 s of its publication); the limit is 0: halted, waiting for an admin");
    expect(bmc.lines().length).toBe(lines);
    await moveRollout(operator, r.id, "abort");
  });

  it("two console processes ticking at once never drive the same rollout: each host is cycled exactly once", async () => {
    const r = await start(nodes(19, 22));
    const booted = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const state = (await db.rollout.findUniqueOrThrow({ where: { id: r.id } })).state;
      if (state === "completed") break;
      // now and then the lease runs out, so the other process takes over
      const now = later(i % 4 === 3 ? LEASE_MS / 1000 + 1 : 5);
      const [a, b] = await Promise.all([tickRollouts("console-a", { now, power: bmc.port }), tickRollouts("console-b", { now, power: bmc.port })]);
      expect([...a.errors, ...b.errors]).toEqual([]);
      expect(a.driven.includes(r.id) && b.driven.includes(r.id)).toBe(false);
      await bootWaiting(r.id, () => "up", booted);
    }
    expect((await getRollout(viewer, r.id)).state).toBe("completed");
    expect(nodes(19, 22).map(cycles)).toEqual([1, 1, 1, 1]);
    const owners = await db.auditEntry.count({ where: { targetId: r.id, action: "rollout.cycle" } });
    expect(owners).toBe(4);
  });
});

describe("rollout refusals change nothing", () => {
  const refused = async (input: Record<string, unknown>, status: number, message: RegExp) => {
    const counts = async () => [await db.rollout.count(), await db.rolloutHost.count(), await db.auditEntry.count(), (await db.host.findMany({ select: { revision: true } })).map((h) => h.revision).join()];
    const before = await counts();
    const err = await Promise.resolve()
      .then(() => startRolloutFor(operator, startRollout.parse({ version: "rh-7.3@2", selector: { hosts: ["node023", "node024"] }, ...input })))
      .catch((e: unknown) => e);
    expect(err).toMatchObject(status === 422 && !(err instanceof Error && err.name === "ZodError") ? { status } : {});
    expect(String((err as Error).message)).toMatch(message);
    expect(await counts()).toEqual(before);
  };

  it("refuses a draft, retired or unknown version", async () => {
    const { createVersion, setVersionStatus } = await import("./releases");
    const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: [], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
    await createVersion(operator, "rh-7.3", { ...v, version: "4" });
    await refused({ version: "rh-7.3@4" }, 422, /^rh-7\.3@4 is a draft: activate it before rolling it out$/);
    await createVersion(operator, "rh-7.3", { ...v, version: "5" }, { activate: true });
    await setVersionStatus(operator, "rh-7.3", "5", "retired");
    await refused({ version: "rh-7.3@5" }, 422, /^rh-7\.3@5 is retired: roll out an active version$/);
    await refused({ version: "rh-7.3@99" }, 422, /^There is no version rh-7\.3@99$/);
    await refused({ version: "rh-7.3" }, 422, /Name a version: rh-7\.3@VERSION/);
  });

  it("refuses an empty selector, one matching no host, unknown names", async () => {
    await refused({ selector: {} }, 422, /Choose the hosts/);
    await refused({ selector: { tags: ["nosuchtag"] } }, 422, /^The selector matches no host$/);
    await refused({ selector: { hosts: ["node023", "node999"] } }, 422, /^No host named node999$/);
    await refused({ selector: { network: "nowhere" } }, 422, /^There is no network nowhere$/);
  });

  it("refuses a wave of 0 or larger than the hosts, a canary larger than them", async () => {
    await refused({ wave: 0 }, 422, /wave size must be a whole number of hosts \(at least 1\)/);
    await refused({ wave: "0%" }, 422, /wave size/);
    await refused({ wave: 3 }, 422, /^A wave of 3 is larger than the 2 selected hosts$/);
    await refused({ canary: 3, wave: 1 }, 422, /^The canary \(3\) is larger than the 2 selected hosts$/);
  });

  it("refuses hosts already in a rollout that is not over, naming them and the rollout", async () => {
    const r = await start(["node023"]);
    await refused({ wave: 1 }, 422, new RegExp(`^Host node023 is already in rollout ${r.id} \\(running\\): abort it or wait for it to end$`));
    await moveRollout(operator, r.id, "abort");
    const again = await start(["node023", "node024"]);
    expect(again.hostCount).toBe(2);
    await moveRollout(operator, again.id, "abort");
  });

  it("lists the rollouts a host took part in, newest first, of a state if asked", async () => {
    const mine = (await listRollouts(viewer, { host: "node023" })).items;
    expect(mine.map((r) => r.state)).toEqual(["aborted", "aborted"]);
    expect(mine[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(mine[1]!.createdAt.getTime());
    expect((await listRollouts(viewer, { host: "node024" })).items).toHaveLength(1);
    expect((await listRollouts(viewer, { host: "node023", state: "completed" })).total).toBe(0);
  });

  it("lists the rollouts to a version and counts them by state (the version page)", async () => {
    const all = (await listRollouts(viewer, { page: 1 })).items;
    for (const ref of [
      { release: "rh-7.3", version: "2" },
      { release: "rh-7.3", version: "3" },
    ]) {
      const label = `${ref.release}@${ref.version}`;
      const expected = all.filter((r) => r.version === label);
      expect(expected.length, label).toBeGreaterThan(0);
      const mine = await listRollouts(viewer, { version: ref });
      expect(mine.items.map((r) => r.id)).toEqual(expected.map((r) => r.id));
      const counted = await rolloutsOfVersion(viewer, ref);
      expect(counted.total).toBe(expected.length);
      const byState: Record<string, number> = {};
      for (const r of expected) byState[r.state] = (byState[r.state] ?? 0) + 1;
      expect(counted.byState).toEqual(byState);
    }
    expect(await rolloutsOfVersion(viewer, { release: "rh-7.3", version: "99" })).toEqual({ total: 0, byState: {} });
    expect((await listRollouts(viewer, { version: { release: "nope", version: "2" } })).total).toBe(0);
  });
});
