import { describe, expect, it } from "vitest";
import { db, isPostgres } from "@/lib/db";
import { parseFleet } from "@/lib/fleet/parse";
import { operator } from "@/lib/testing/actors";
import { applyFleet } from "./fleet-apply";
import { exportFleet } from "./fleet-export";
import { changeTags } from "./host-bulk";
import { hostsWithInclude } from "./hosts";

// A fleet of more hosts than one statement of Prisma's SQLite defaults may name (999 parameters):
// relations (tags, ...) of all its hosts are loaded with one list of their ids.

const N = 1_200;
const fleetFile = (tags: string[]) =>
  [
    "networks:",
    '  - { name: big, subnet: 10.20.0.0/16, gateway: 10.20.0.1, dns: [10.20.0.1], bootServer: 10.20.0.1, reportUrl: "http://10.20.0.1:3000" }',
    "cells:",
    "  - { name: example.org, client: kafs, servers: [{ name: afsdb1.example.org, ip: 10.20.0.5 }], bootRoot: /afs/example.org/boot }",
    "releases:",
    "  - name: deb-12",
    "    tree: /afs/example.org/boot/debian/12",
    "    versions:",
    '      - { version: "1", kernel: vmlinuz, baseInitrd: initrd.img, modules: [virtio_net], readonly: [usr], writable: [etc], tmpfsSize: 512M }',
    "hosts:",
    ...Array.from({ length: N }, (_, i) => {
      const mac = `52:54:00:${[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
      return `  - { name: n${String(i).padStart(5, "0")}, mac: "${mac}", ip: 10.20.${1 + Math.floor(i / 250)}.${(i % 250) + 2}, cell: example.org, release: deb-12, tags: [${tags.join(", ")}] }`;
    }),
    "",
  ].join("\n");

function parse(text: string) {
  const r = parseFleet(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
  return r.fleet;
}

describe(`a fleet of ${N} hosts`, () => {
  it("is applied, applied again with every host's tags changed, exported, and tagged in bulk", async () => {
    expect((await applyFleet(operator, parse(fleetFile([])))).filter((c) => c.op === "create" && c.kind === "host")).toHaveLength(N);
    // every host changed: the file's hosts compared with the stored ones, tags and all
    expect((await applyFleet(operator, parse(fleetFile(["rack1"])))).filter((c) => c.op === "update" && c.kind === "host")).toHaveLength(N);
    const exported = await exportFleet(operator);
    expect(exported.hosts).toHaveLength(N);
    expect(exported.hosts.every((h) => JSON.stringify(h.tags) === JSON.stringify(["rack1"]))).toBe(true);
    // a bulk action on all of them (the hosts table's "select all")
    const names = exported.hosts.map((h) => String(h.name));
    await changeTags(operator, [...names].reverse(), ["rack2"], ["rack1"]);
    expect(await db.hostTag.count({ where: { tag: "rack2" } })).toBe(N);
    expect(await db.hostTag.count({ where: { tag: "rack1" } })).toBe(0);
  });

  it("is read a page at a time, every host once, in name order", async () => {
    const hosts = await hostsWithInclude(db);
    expect(hosts.map((h) => h.name)).toEqual(Array.from({ length: N }, (_, i) => `n${String(i).padStart(5, "0")}`));
    expect(hosts.every((h) => h.tags.length === 1)).toBe(true);
    expect((await hostsWithInclude(db, { name: { gte: "n01000" } })).map((h) => h.name)).toEqual(Array.from({ length: 200 }, (_, i) => `n0${1000 + i}`));
  });

  it(`takes more than 999 parameters in one statement (${isPostgres() ? "PostgreSQL" : "SQLite"}): every host's tags in one query`, async () => {
    // (a relation in order is loaded with one list of all the hosts' ids: Prisma cannot cut it in parts)
    const rows = await db.host.findMany({ select: { name: true, tags: { select: { tag: true }, orderBy: { tag: "asc" } } } });
    expect(rows).toHaveLength(N);
  });
});
