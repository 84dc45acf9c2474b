import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { viewer, operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { createRelease, createVersion } from "./releases";
import { createHost } from "./hosts";
import { loadSnapshot, snapshotVia } from "./snapshot";

// A whole fleet's hosts are read on SQLite straight from the connection under Prisma's adapter
// (snapshotRows): the snapshot must be the one Prisma's query gives, field for field and in the
// same order (the hosts left out are listed in the order they were read).

afterEach(() => {
  snapshotVia.prisma = false;
});

async function load(via: "sqlite" | "prisma", opts: Parameters<typeof loadSnapshot>[1] = { images: "names-only" }) {
  snapshotVia.prisma = via === "prisma";
  return loadSnapshot(viewer, opts);
}

describe("loadSnapshot on SQLite", () => {
  it("reads a whole fleet's hosts as Prisma does", async () => {
    await seedInventory();
    // a release with a draft only: its hosts are left out (skipped), in the order they were read
    await createRelease(operator, { name: "deb-13", tree: "/afs/example.org/boot/deb13", notes: "" });
    const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: [], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
    await createVersion(operator, "deb-13", { ...v, version: "1" });
    const pinned = await db.releaseVersion.findFirstOrThrow({ where: { release: { name: "rh-7.3" }, version: "1" } });
    await createHost(operator, hostIn(7, { name: "zeta", tags: ["rack-2", "gpu"], cacheBlocks: 4096, nicModule: "e1000e", kernelArgs: "quiet", tmpfsSize: "1G" }));
    await createHost(operator, hostIn(2, { name: "alpha", release: { release: "deb-13", version: null } }));
    await createHost(operator, hostIn(3, { name: "mid", release: { release: "rh-7.3", version: "1" } }));
    await createHost(operator, hostIn(4, { name: "beta", release: { release: "deb-13", version: null }, tags: ["a"] }));
    await createHost(operator, hostIn(5, { name: "omega" }));
    // the columns SQLite stores otherwise (a boolean, null or not) and the nullable enum
    await db.host.update({ where: { name: "zeta" }, data: { secureBoot: true, identity: "port", tokenGeneration: 3 } });
    await db.host.update({ where: { name: "omega" }, data: { secureBoot: false, identity: "none" } });
    expect((await db.host.findUniqueOrThrow({ where: { name: "mid" } })).pinnedVersionId).toBe(pinned.id);

    const direct = await load("sqlite");
    const prisma = await load("prisma");
    expect(direct).toEqual(prisma);
    expect(direct.skipped.map((s) => s.host)).toEqual(prisma.skipped.map((s) => s.host));
    expect([...direct.hostRows.keys()]).toEqual([...prisma.hostRows.keys()]);
    expect(direct.skipped.map((s) => s.host).sort()).toEqual(["alpha", "beta"]);
    const zeta = direct.snapshot.hosts.find((h) => h.name === "zeta")!;
    expect(zeta).toMatchObject({ secureBoot: true, identity: "port", tags: ["gpu", "rack-2"], cacheBlocks: 4096, nicModule: "e1000e" });
    expect(direct.snapshot.hosts.find((h) => h.name === "omega")!.secureBoot).toBe(false);
    expect(zeta.reportToken).not.toBe(direct.snapshot.hosts.find((h) => h.name === "omega")!.reportToken);

    // some hosts, or some networks: through Prisma as before, and the same hosts as the whole fleet's
    const some = await load("sqlite", { images: "names-only", hosts: ["zeta", "mid"] });
    expect(some.snapshot.hosts).toEqual(direct.snapshot.hosts.filter((h) => h.name === "zeta" || h.name === "mid"));
  });
});
