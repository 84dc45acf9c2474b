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
  mac: `52:54:00:00:${Math.floor(i / 256).toString(16).padStart(2, "0")}:${(i % 256).toString(16).padStart(2, "0")}`,
  ip: `10.0.0.${10 + i}`,
  cell: "example.org",
  release: { release: "rh-7.3", version: null },
  tags: [],
  notes: "",
  ...over,
});
