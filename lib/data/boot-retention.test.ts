import { beforeAll, describe, expect, it } from "vitest";
import { db, isPostgres } from "@/lib/db";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { recordReport } from "./boot-ingest";
import { hourlyJobs, pruneBoots } from "./boot-retention";
import { enrollHosts } from "./host-bulk";

const day = 86_400_000;
beforeAll(async () => {
  await seedInventory();
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
});

describe("boot history retention", () => {
  it("keeps the newest boots per host and none past the age limit, never a host's last boot", async () => {
    const h1 = await db.host.findUniqueOrThrow({ where: { name: "node001" } });
    const h2 = await db.host.findUniqueOrThrow({ where: { name: "node002" } });
    const now = Date.now();
    for (let i = 0; i < 8; i++) {
      await recordReport(h1.id, { mac: hostIn(1).mac, bootId: `boot-h1-${String(i).padStart(3, "0")}`, stage: "initrd" }, new Date(now - (8 - i) * 60_000));
      await recordReport(h1.id, { mac: hostIn(1).mac, bootId: `boot-h1-${String(i).padStart(3, "0")}`, stage: "up" }, new Date(now - (8 - i) * 60_000 + 30_000));
    }
    // node002: one ancient boot, which is also its last one
    await recordReport(h2.id, { mac: hostIn(2).mac, bootId: "boot-h2-ancient", stage: "initrd" }, new Date(now - 400 * day));
    const r = await pruneBoots(operator, { perHost: 5, days: 365 }, new Date(now));
    expect(r).toMatchObject({ boots: 3, events: 6 });
    const left = await db.boot.findMany({ where: { hostId: h1.id }, orderBy: { startedAt: "asc" }, select: { bootId: true } });
    expect(left.map((b) => b.bootId)).toEqual(["boot-h1-003", "boot-h1-004", "boot-h1-005", "boot-h1-006", "boot-h1-007"]);
    expect(await db.boot.count({ where: { hostId: h2.id } })).toBe(1);
    expect(await db.bootEvent.count()).toBe(5 * 2 + 1);
    expect((await pruneBoots(operator, { perHost: 5, days: 365 }, new Date(now))).boots).toBe(0);
    await expect(pruneBoots(viewer)).rejects.toMatchObject({ status: 403 });
  });
});

describe("the hourly jobs", () => {
  it("run once an hour across console replicas: a second run in the same hour does nothing; an hour later they run again", async () => {
    await db.changeCounter.deleteMany({ where: { key: "hourly-jobs" } });
    expect(await hourlyJobs()).toEqual({ ran: true });
    expect(await hourlyJobs()).toEqual({ ran: false });
    const hour = Math.floor(Date.now() / 3_600_000);
    await db.changeCounter.update({ where: { key: "hourly-jobs" }, data: { value: hour - 1 } });
    expect(await hourlyJobs()).toEqual({ ran: true });
  });

  it.skipIf(!isPostgres())("two replicas at the same moment (PostgreSQL): exactly one of them runs them", async () => {
    await db.changeCounter.deleteMany({ where: { key: "hourly-jobs" } });
    const runs = await Promise.all([hourlyJobs(), hourlyJobs(), hourlyJobs()]);
    expect(runs.filter((r) => r.ran)).toHaveLength(1);
  });
});
