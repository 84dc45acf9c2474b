import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { bootEventInput } from "@/lib/validation/boot-event";
import { recordDiscovery } from "./discovery";

const report = (mac: string) => bootEventInput.parse({ mac, bootId: "boot-0001", stage: "dhcp", ip: "10.0.0.99", message: "PXE" });

describe("recordDiscovery", () => {
  it("keeps an unknown machine's report, counting its reports", async () => {
    await recordDiscovery(report("52:54:00:d1:5c:01"));
    await recordDiscovery({ ...report("52:54:00:d1:5c:01"), stage: "initrd" });
    expect(await db.discoveredHost.findUniqueOrThrow({ where: { mac: "52:54:00:d1:5c:01" } })).toMatchObject({ reports: 2, lastStage: "initrd", lastIp: "10.0.0.99" });
  });

  it("is its own write, not part of another request's transaction that fails meanwhile", async () => {
    // another request's transaction is open (and will be rolled back) when the report arrives
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    let fail!: () => void;
    const failing = new Promise<void>((r) => (fail = r));
    const other = db
      .$transaction(async (tx) => {
        await tx.discoveredHost.create({ data: { mac: "52:54:00:d1:5c:02", lastStage: "dhcp" } });
        open();
        await failing;
        throw new Error("the other request fails");
      })
      .catch((e: unknown) => e);
    await opened;
    const recorded = recordDiscovery(report("52:54:00:d1:5c:03"));
    fail();
    expect(await other).toMatchObject({ message: "the other request fails" });
    await recorded;
    expect(await db.discoveredHost.findUnique({ where: { mac: "52:54:00:d1:5c:02" } })).toBeNull();
    expect(await db.discoveredHost.findUnique({ where: { mac: "52:54:00:d1:5c:03" } })).toMatchObject({ reports: 1, lastStage: "dhcp" });
  });
});
