import { beforeAll, describe, expect, it } from "vitest";
import { createCell, listCells } from "@/lib/data/cells";
import { enrollHosts } from "@/lib/data/host-bulk";
import { listHosts } from "@/lib/data/hosts";
import { createNetwork, listNetworks } from "@/lib/data/networks";
import { createRelease, listReleases } from "@/lib/data/releases";
import { operator } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { cellForm, networkForm } from "@/lib/testing/fixtures";

// Searches are literal: "_" and "%" (LIKE's wildcards, which Prisma passes on unescaped) find
// only what holds them, never everything.

beforeAll(async () => {
  await seedInventory(); // network lab, cell example.org, release rh-7.3
  await enrollHosts(operator, [hostIn(1), hostIn(2)]);
  await createNetwork(operator, networkForm({ name: "lab_a", subnet: "10.1.0.0/24", gateway: "10.1.0.1", bootServer: "10.1.0.1" }));
  await createNetwork(operator, networkForm({ name: "labxa", subnet: "10.2.0.0/24", gateway: "10.2.0.1", bootServer: "10.2.0.1" }));
  await createRelease(operator, { name: "deb_12", tree: "/afs/example.org/boot/deb_12", notes: "" });
  await createRelease(operator, { name: "debx12", tree: "/afs/example.org/boot/debx12", notes: "" });
  await createCell(operator, cellForm({ name: "pct.example.org", bootRoot: "/afs/example.org/boot/100%" }));
});

const names = (r: { items: { name: string }[] }) => r.items.map((i) => i.name).sort();

describe("searching with LIKE's wildcard characters", () => {
  it("hosts: no host name, MAC or address holds them, so nothing matches", async () => {
    expect((await listHosts(operator, { q: "node0" })).total).toBe(2);
    for (const q of ["_", "%", "node_01", "n%1", "\\"]) expect((await listHosts(operator, { q })).total, q).toBe(0);
  });

  it("networks, releases and cells: only names and paths that hold the character", async () => {
    expect(names(await listNetworks(operator, { q: "_" }))).toEqual(["lab_a"]);
    expect(names(await listNetworks(operator, { q: "b_a" }))).toEqual(["lab_a"]);
    expect(names(await listNetworks(operator, { q: "lab" }))).toEqual(["lab", "lab_a", "labxa"]);
    expect(names(await listReleases(operator, { q: "b_1" }))).toEqual(["deb_12"]);
    expect(names(await listReleases(operator, { q: "%" }))).toEqual([]);
    expect(names(await listCells(operator, { q: "%" }))).toEqual(["pct.example.org"]);
    expect(names(await listCells(operator, { q: "_" }))).toEqual([]);
  });
});
