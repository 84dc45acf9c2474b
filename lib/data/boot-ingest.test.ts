import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db, isPostgres, sqliteConnection } from "@/lib/db";
import { operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import type { BootEventInput } from "@/lib/validation/boot-event";
import { recordReport } from "./boot-ingest";
import { ingestVia } from "./boot-ingest-sql";
import { enrollHosts } from "./host-bulk";

// The report writer's statements come in two forms (boot-ingest-sql.ts): through Prisma (what
// PostgreSQL runs) and straight on SQLite's connection with prepared statements. The same reports
// through each must leave the same boots, events, summaries and last boots, and answer the same.

beforeAll(async () => {
  await seedInventory();
  await enrollHosts(operator, [hostIn(3), hostIn(4)]);
});
afterEach(() => {
  ingestVia.prisma = false;
});

/** One host's boot: the boot server's pxe and dhcp, the host's own stages (some in one batch), a retry, then a failed boot. */
async function scenario(i: number) {
  const host = await db.host.findUniqueOrThrow({ where: { mac: hostIn(i).mac } });
  const mac = host.mac;
  const r = (input: Omit<BootEventInput, "mac">) => recordReport(host.id, { mac, ...input } as BootEventInput);
  const answers: boolean[] = [];
  const one = async (input: Omit<BootEventInput, "mac">) => answers.push((await r(input)).duplicate);
  await one({ stage: "pxe", message: "served" });
  await one({ stage: "dhcp", ip: hostIn(i).ip });
  await one({ stage: "initrd", bootId: "boot-a-0000", initrdSha256: "b".repeat(64), releaseVersion: "rh-7.3@1" });
  // in one batch, one of them twice
  const batch = await Promise.all([
    r({ stage: "network", bootId: "boot-a-0000", ip: hostIn(i).ip }),
    r({ stage: "afs", bootId: "boot-a-0000", message: "kafs up" }),
    r({ stage: "afs", bootId: "boot-a-0000", message: "kafs up (again)" }),
  ]);
  answers.push(...batch.map((b) => b.duplicate));
  await one({ stage: "up", bootId: "boot-a-0000" });
  await one({ stage: "up", bootId: "boot-a-0000" });
  await one({ stage: "failed", failedStage: "afs", bootId: "boot-b-0000", message: "no cell" });
  await one({ stage: "dhcp" }); // after a failed boot: a new pre-boot
  const boots = await db.boot.findMany({ where: { hostId: host.id }, include: { events: true }, orderBy: { startedAt: "asc" } });
  const last = await db.host.findUniqueOrThrow({ where: { id: host.id }, select: { lastBoot: { select: { bootId: true } } } });
  const bootId = (b: string) => (b.startsWith("pre-") ? "pre-…" : b);
  return {
    answers,
    lastBoot: bootId(last.lastBoot!.bootId),
    boots: boots.map((b) => ({
      bootId: bootId(b.bootId),
      state: b.state,
      currentStage: b.currentStage,
      failedStage: b.failedStage,
      message: b.message,
      finished: b.finishedAt !== null,
      initrdSha256: b.initrdSha256,
      releaseVersion: b.releaseVersion,
      clientIp: b.clientIp?.replace(hostIn(i).ip, "IP") ?? null,
      started: b.startedAt.getTime() === Math.min(...b.events.map((e) => e.at.getTime())),
      events: b.events
        .map((e) => ({ stage: e.stage, failedStage: e.failedStage, message: e.message, ip: e.ip?.replace(hostIn(i).ip, "IP") ?? null }))
        .sort((a, b) => a.stage.localeCompare(b.stage)),
    })),
  };
}

describe("the report writer's two forms of SQL", () => {
  it("store and answer the same: pre-boot adoption, a batch with a retry, a failed boot, last boots", async () => {
    const direct = await scenario(3);
    // on SQLite the direct form was used; on PostgreSQL (scripts/test-postgres.sh) both are Prisma's
    expect(sqliteConnection() === null).toBe(isPostgres());
    ingestVia.prisma = true;
    const viaPrisma = await scenario(4);
    expect(viaPrisma).toStrictEqual(direct);
    expect(direct.answers).toEqual([false, false, false, false, false, true, false, true, false, false]);
    expect(direct.lastBoot).toBe("pre-…");
    expect(direct.boots.map((b) => [b.bootId, b.state, b.currentStage, b.events.length])).toEqual([
      ["boot-a-0000", "up", "up", 6],
      ["boot-b-0000", "failed", "afs", 1],
      ["pre-…", "booting", "dhcp", 1],
    ]);
  });
});
