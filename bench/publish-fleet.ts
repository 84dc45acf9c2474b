// The publish benchmark's fleet (bench/publish.ts, bench/publish-check.ts): N hosts in three /16
// networks, one kAFS cell, one release with an 8 MiB kernel and a 4 MiB base initrd in `dir/images`.
// Run with DATABASE_URL, AFSBOOT_DATA_DIR and AFSBOOT_IMAGES_ROOTS (= dir/images) set.
import fs from "node:fs";
import path from "node:path";
import { createBenchCell } from "./bench-cell";

export const NETWORKS = ["a", "b", "c"];
export const benchActor = { type: "cli" as const, id: null, name: "bench", role: "admin" as const };

/** Creates the networks, the cell, the release (version 1 active) and N hosts; `pinned`: hosts pinned to version 1 (waves). */
export async function seedFleet(dir: string, n: number, pinned: boolean): Promise<void> {
  const { createNetwork } = await import("@/lib/data/networks");
  const { createRelease, createVersion } = await import("@/lib/data/releases");
  const { enrollHosts } = await import("@/lib/data/host-bulk");
  const actor = benchActor;
  const images = path.join(dir, "images");
  fs.mkdirSync(images);
  fs.writeFileSync(path.join(images, "vmlinuz"), Buffer.alloc(8 << 20, 1));
  fs.writeFileSync(path.join(images, "initrd.img"), Buffer.alloc(4 << 20, 2));
  for (const [i, name] of NETWORKS.entries()) {
    await createNetwork(actor, {
      name,
      subnet: `10.${10 + i * 4}.0.0/16`,
      gateway: `10.${10 + i * 4}.0.1`,
      dns: [`10.${10 + i * 4}.0.1`],
      domain: null,
      bootServer: `10.${10 + i * 4}.0.1`,
      bootUrl: null,
      reportUrl: `http://10.${10 + i * 4}.0.1:3000`,
      notes: "",
    });
  }
  await createBenchCell(actor, "10.10.0.5");
  await createRelease(actor, { name: "deb-12", tree: "/afs/example.org/boot/debian/12", imagesDir: images, notes: "" });
  await createVersion(
    actor,
    "deb-12",
    { version: "1", kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["virtio_net"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "512M", notes: "" },
    { activate: true },
  );
  const hosts = Array.from({ length: n }, (_, i) => {
    const net = i % 3;
    const k = Math.floor(i / 3);
    return {
      name: `n${String(i).padStart(5, "0")}`,
      mac: `52:54:${(i >> 16).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}:01`,
      ip: `10.${10 + net * 4}.${1 + Math.floor(k / 250)}.${(k % 250) + 2}`,
      cell: "example.org",
      // waves move hosts from a pinned version to another (a version activated later would move hosts that follow the tree)
      release: { release: "deb-12", version: pinned ? "1" : null },
      tags: [],
      notes: "",
    };
  });
  await enrollHosts(actor, hosts);
}
