import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { operator } from "./actors";
import { createCell } from "@/lib/data/cells";
import { createNetwork } from "@/lib/data/networks";
import { createRelease, createVersion } from "@/lib/data/releases";
import { cellForm, networkForm } from "./fixtures";
import type { HostInput } from "@/lib/validation/host";

/** A network 10.0.0.0/24 "lab", cell example.org, release rh-7.3 with active version 1 and draft 2. */
export async function seedInventory() {
  await createNetwork(operator, networkForm({ name: "lab" }));
  await createCell(operator, cellForm({ name: "example.org" }));
  await createRelease(operator, { name: "rh-7.3", tree: "/afs/example.org/boot/RH/7.3", notes: "" });
  const v = { kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["e1000"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" };
  await createVersion(operator, "rh-7.3", { ...v, version: "1" }, { activate: true });
  await createVersion(operator, "rh-7.3", { ...v, version: "2" });
}

export const hostIn = (i: number, over: Partial<HostInput> = {}): HostInput => ({
  name: `node${String(i).padStart(3, "0")}`,
  mac: `52:54:00:00:${Math.floor(i / 256)
    .toString(16)
    .padStart(2, "0")}:${(i % 256).toString(16).padStart(2, "0")}`,
  ip: `10.0.0.${10 + i}`,
  cell: "example.org",
  release: { release: "rh-7.3", version: null },
  tags: [],
  notes: "",
  ...over,
});

/**
 * seedInventory, plus what publishing needs: AFSBOOT_EXPORT_DIR=<root>/export and rh-7.3's
 * images directory <root>/images with a made-up kernel and base initrd. Returns the images dir.
 */
export async function seedPublishable(root: string): Promise<string> {
  process.env.AFSBOOT_EXPORT_DIR = path.join(root, "export");
  await seedInventory();
  const images = path.join(root, "images");
  fs.mkdirSync(images);
  fs.writeFileSync(path.join(images, "vmlinuz"), "kernel bytes");
  fs.writeFileSync(path.join(images, "initrd.img"), "initrd bytes");
  await db.release.update({ where: { name: "rh-7.3" }, data: { imagesDir: images } });
  return images;
}
