import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { listAudit, AUDIT_HOSTS_SHOWN } from "./audit";
import { assignRelease, changeCell, changeTags, deleteHosts, enrollHosts } from "./host-bulk";
import { getHost, hostAudit } from "./hosts";
import { createCell } from "./cells";
import { createRelease } from "./releases";
import { authenticate, createUser } from "./users";
import { cellForm } from "@/lib/testing/fixtures";
import { stringify } from "yaml";
import { parseFleet } from "@/lib/fleet/parse";
import { applyFleet } from "./fleet-apply";
import { exportFleet } from "./fleet-export";

// The audit log: one entry per action on many hosts (listing them), and the log's filters.

const entries = (action: string) => db.auditEntry.findMany({ where: { action }, include: { hosts: true }, orderBy: { at: "asc" } });
const hostIds = async (names: string[]) => (await db.host.findMany({ where: { name: { in: names } }, select: { id: true } })).map((h) => h.id).sort();

beforeAll(async () => {
  await seedInventory();
  await createCell(operator, cellForm({ name: "other.org" }));
});

describe("actions on many hosts: one audit entry each, listing the hosts", () => {
  const names = Array.from({ length: 25 }, (_, i) => hostIn(i + 1).name);

  it("enrolment (CSV, range, API bulk): one host.create entry with every host's settings", async () => {
    await enrollHosts(operator, names.map((_, i) => hostIn(i + 1, { tags: ["rack1"] })));
    const [entry, ...more] = await entries("host.create");
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ actorName: "test-operator", targetType: "host", targetId: null, targetName: "25 hosts", before: null });
    const after = entry!.after as { hosts: Record<string, { mac: string; release: string; tags: string[] }> };
    expect(Object.keys(after.hosts)).toEqual(names);
    expect(after.hosts.node007).toMatchObject({ mac: hostIn(7).mac, ip: hostIn(7).ip, release: "rh-7.3", tags: ["rack1"] });
    expect(entry!.hosts.map((h) => h.hostId).sort()).toEqual(await hostIds(names));
  });

  it("assign, cell and tags: one entry each, with what changed on each host before and after", async () => {
    await assignRelease(operator, ["node001", "node002", "node003"], { release: "rh-7.3", version: "1" });
    await changeTags(operator, ["node001", "node002"], ["gpu"], ["rack1"]);
    const [assign] = await entries("host.assign");
    expect(assign).toMatchObject({
      targetName: "3 hosts",
      before: { hosts: { node001: { release: "rh-7.3" }, node002: { release: "rh-7.3" }, node003: { release: "rh-7.3" } } },
      after: { hosts: { node001: { release: "rh-7.3@1" }, node002: { release: "rh-7.3@1" }, node003: { release: "rh-7.3@1" } } },
    });
    expect(await entries("host.tags")).toMatchObject([{ targetName: "2 hosts", before: { hosts: { node001: { tags: ["rack1"] } } }, after: { hosts: { node002: { tags: ["gpu"] } } } }]);
    // a refused action (release in another cell) writes nothing
    await expect(changeCell(operator, ["node001", "node002"], "other.org")).rejects.toMatchObject({ status: 422 });
    expect(await db.auditEntry.count({ where: { action: "host.cell" } })).toBe(0);
  });

  it("one host selected: an ordinary entry on that host", async () => {
    await changeTags(operator, ["node004"], ["solo"], []);
    const id = (await db.host.findUniqueOrThrow({ where: { name: "node004" } })).id;
    expect(await entries("host.tags")).toMatchObject([{ targetName: "2 hosts" }, { targetId: id, targetName: "node004", after: { name: "node004", tags: ["rack1", "solo"] }, hosts: [] }]);
  });

  it("delete: one entry keeping each host's settings; the host pages' trails kept the hosts' parts", async () => {
    const node002 = await getHost(viewer, "node002");
    const trail = await hostAudit(viewer, node002.id);
    expect(trail.map((e) => [e.action, e.targetName])).toEqual([
      ["host.tags", "node002 (one of 2 hosts)"],
      ["host.assign", "node002 (one of 3 hosts)"],
      ["host.create", "node002 (one of 25 hosts)"],
    ]);
    expect(trail[1]).toMatchObject({ before: { release: "rh-7.3" }, after: { release: "rh-7.3@1" } });

    await deleteHosts(operator, ["node020", "node021"]);
    expect(await entries("host.delete")).toMatchObject([{ targetName: "2 hosts", after: null, before: { hosts: { node020: { mac: hostIn(20).mac }, node021: { ip: hostIn(21).ip } } } }]);
    expect(await db.auditEntry.count({ where: { targetType: "host" } })).toBe(5); // create, assign, tags twice, delete
  });
});

describe("the audit log's filters", () => {
  it("a long action shows its first hosts by name and counts the rest", async () => {
    const { items } = await listAudit(viewer, { action: "host.create" });
    expect(items).toHaveLength(1);
    const [row] = items;
    expect(row!.hosts).toEqual({ count: 25, shown: Array.from({ length: AUDIT_HOSTS_SHOWN }, (_, i) => hostIn(i + 1).name) });
    expect(Object.keys((row!.after as { hosts: object }).hosts)).toHaveLength(AUDIT_HOSTS_SHOWN);
  });

  it("by user, action, object type and name (also a host inside an action on many), and time", async () => {
    await createRelease(admin, { name: "lit_a", tree: "/afs/example.org/boot/lit_a", notes: "" });
    await createRelease(admin, { name: "litba", tree: "/afs/example.org/boot/litba", notes: "" });
    const seen = async (query: Parameters<typeof listAudit>[1]) => (await listAudit(viewer, query)).items.map((e) => `${e.action} ${e.targetName}`);

    expect(await seen({ user: "test-admin" })).toEqual(["release.create litba", "release.create lit_a"]);
    expect(await seen({ action: "host.assign" })).toEqual(["host.assign 3 hosts"]);
    expect(await seen({ type: "release", user: "test-admin" })).toHaveLength(2);
    expect(await seen({ object: "node003" })).toEqual(["host.assign 3 hosts", "host.create 25 hosts"]);
    expect(await seen({ q: "node021" })).toEqual(["host.delete 2 hosts", "host.create 25 hosts"]);
    // literal: "_" and "%" are characters, not LIKE wildcards
    expect(await seen({ object: "t_a" })).toEqual(["release.create lit_a"]);
    expect(await seen({ q: "lit_" })).toEqual(["release.create lit_a"]);
    expect((await listAudit(viewer, { q: "%" })).total).toBe(0);
    expect((await listAudit(viewer, { object: "_" })).total).toBe(1);

    const old = new Date("2026-01-02T03:04:05Z");
    const lit = await db.auditEntry.findFirstOrThrow({ where: { targetName: "lit_a" } });
    await db.auditEntry.update({ where: { id: lit.id }, data: { at: old } });
    expect(await seen({ to: new Date("2026-01-02T03:04:06Z") })).toEqual(["release.create lit_a"]);
    expect(await seen({ from: old, to: new Date("2026-01-02T03:04:06Z") })).toEqual(["release.create lit_a"]);
    expect(await seen({ from: new Date("2026-01-02T03:04:06Z"), user: "test-admin" })).toEqual(["release.create litba"]);
  });

  it("pages through the matches, newest first", async () => {
    const all = await listAudit(viewer, {});
    expect(all.total).toBe(await db.auditEntry.count());
    const page2 = await listAudit(viewer, { page: 2 });
    expect(page2.items).toEqual([]);
    expect(all.items.map((e) => e.at.getTime())).toEqual([...all.items.map((e) => e.at.getTime())].sort((a, b) => b - a));
  });

  it("failed sign-ins under a name that is no account show as (unknown user), and the name is not searchable", async () => {
    await createUser(admin, { username: "real-user", password: "a-long-password", role: "viewer" });
    await authenticate("Typed-My-Password-Here", "x");
    await authenticate("real-user", "wrong");
    const failed = await listAudit(viewer, { action: "user.login_failed" });
    expect(failed.items.map((e) => e.targetName)).toEqual(["real-user", "(unknown user)"]);
    expect((await listAudit(viewer, { q: "Typed-My-Password" })).total).toBe(0);
  });
});

describe("afsboot apply", () => {
  it("the hosts a fleet file creates and the hosts it changes: one entry each", async () => {
    const fleet = await exportFleet(viewer);
    const hosts = fleet.hosts.map((h) => (h.name === "node005" || h.name === "node006" ? { ...h, notes: "moved to rack 9" } : h));
    const parsed = parseFleet(stringify({ ...fleet, hosts: [...hosts, { ...hostIn(90), release: "rh-7.3" }, { ...hostIn(91), release: "rh-7.3" }] }));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    await applyFleet(operator, parsed.fleet);
    expect(await entries("host.update")).toMatchObject([
      { targetName: "2 hosts", before: { hosts: { node005: { notes: "" }, node006: { notes: "" } } }, after: { hosts: { node005: { notes: "moved to rack 9" } } } },
    ]);
    expect((await entries("host.create")).map((e) => [e.targetName, e.hosts.map((h) => h.hostName).sort()])).toEqual([
      ["25 hosts", expect.any(Array)],
      ["2 hosts", ["node090", "node091"]],
    ]);
  });
});
