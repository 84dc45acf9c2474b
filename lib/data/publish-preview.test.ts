import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyPatch } from "diff";
import { NextRequest } from "next/server";
import * as wholeDiffRoute from "@/app/api/v1/publications/[id]/diff/route";
import { db } from "@/lib/db";
import { createApiToken } from "@/lib/data/api-tokens";
import { DIFF_LIMITS } from "@/lib/publish/diff";
import { toPreview } from "@/lib/publish/preview";
import { admin, operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedPublishable } from "@/lib/testing/fleet-fixtures";
import { fleetCounts } from "./dashboard";
import { enrollHosts } from "./host-bulk";
import { deleteHost } from "./hosts";
import { getPublication, getWholeDiff, listPublications } from "./publications";
import { publish } from "./publish";
import { DRY_RUN_KEPT } from "./publish-record";

// The publish preview at scale (#13 point 9): a dry run is kept and paged like a publication, its
// per-host files carry their host's name, and the DHCP files keep a diff however big they are.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-preview-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const out = () => path.join(root, "export");
const HOSTS = 60; // 120 per-host files: more than a page (100)
let token = "";

beforeAll(async () => {
  await seedPublishable(root);
  await enrollHosts(operator, Array.from({ length: HOSTS }, (_, i) => hostIn(i + 1)));
  token = (await createApiToken(admin, { name: "ro", role: "viewer" }))!.token;
});

describe("a dry run, kept to be paged through", () => {
  let id = "";
  it("records every file it would change, with the host of each per-host file; writes nothing; is not history", async () => {
    const dry = await publish(operator, { outDir: out(), dryRun: true });
    id = dry.publicationId!;
    expect(dry.status).toBe("dry_run");
    expect(fs.existsSync(out()) ? fs.readdirSync(out()) : []).toEqual([]);
    const all = await getPublication(viewer, id);
    expect(all).toMatchObject({ status: "dry_run", filesChanged: dry.changes.length, files: { total: dry.changes.length } });
    expect(dry.changes.length).toBeGreaterThan(2 * HOSTS);
    // the preview the page shows links to it
    expect(toPreview(dry).publicationId).toBe(id);
    // previews are not publications: the history and the dashboard leave them out
    expect((await listPublications(viewer)).total).toBe(0);
    expect((await fleetCounts(viewer)).publications).toBe(0);
  });

  it("filters by host name, by MAC as typed (colons), by path; searches are literal", async () => {
    const mac = hostIn(3).mac;
    const byName = await getPublication(viewer, id, { q: "node003" });
    expect(byName.files.rows.map((f) => [f.path, f.host])).toEqual([
      [`ipxe/01-${mac.replace(/:/g, "-")}.ipxe`, "node003"],
      [`pxelinux.cfg/01-${mac.replace(/:/g, "-")}`, "node003"],
    ]);
    expect((await getPublication(viewer, id, { q: mac.toUpperCase() })).files.rows.map((f) => f.host)).toEqual(["node003", "node003"]);
    const dhcp = await getPublication(viewer, id, { q: "dhcp/" });
    expect(dhcp.files.rows.map((f) => f.path)).toEqual(["dhcp/dhcpd-lab.conf", "dhcp/dnsmasq-lab.conf", "dhcp/dnsmasq-lab.hosts", "dhcp/kea-dhcp4-lab.json"]);
    expect(dhcp.files.rows.every((f) => f.host === null)).toBe(true);
    for (const q of ["_", "%", "node0_3"]) expect((await getPublication(viewer, id, { q })).files.total, q).toBe(0);
    // with the change filter, and paged, in path order
    expect((await getPublication(viewer, id, { q: "node00", change: "removed" })).files.total).toBe(0);
    expect((await getPublication(viewer, id, { q: "node00", change: "added" })).files.total).toBe(18);
    const perHost = [1, 2].map((page) => getPublication(viewer, id, { q: "01-52-54-00", page }));
    const [p1, p2] = await Promise.all(perHost);
    expect([p1!.files.total, p1!.files.rows.length, p2!.files.rows.length]).toEqual([2 * HOSTS, 100, 2 * HOSTS - 100]);
    const paths = [...p1!.files.rows, ...p2!.files.rows].map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(new Set(paths).size).toBe(2 * HOSTS);
    // a wildcard in the text: matched literally in SQL, paged there as well
    const { count: renamed } = await db.publicationFile.updateMany({ where: { publicationId: id, path: { startsWith: "pxelinux.cfg/01-" } }, data: { host: "under_score" } });
    expect(renamed).toBe(HOSTS);
    const literal = [1, 2].map((page) => getPublication(viewer, id, { q: "UNDER_", page }));
    const [l1, l2] = await Promise.all(literal);
    expect([l1!.files.total, l1!.files.rows.length, l2!.files.rows.length]).toEqual([HOSTS, HOSTS, 0]);
    expect((await getPublication(viewer, id, { q: "under%" })).files.total).toBe(0);
    expect((await getPublication(viewer, id, { q: "under_", change: "removed" })).files.total).toBe(0);
  });

  it("a deleted host's removed files still name it", async () => {
    await publish(operator, { outDir: out() });
    await deleteHost(operator, "node005");
    const dry = await publish(operator, { outDir: out(), dryRun: true });
    const removed = dry.changes.filter((c) => c.change === "removed");
    expect(removed.map((c) => [c.path.split("/")[0], c.host])).toEqual([
      ["ipxe", "node005"],
      ["pxelinux.cfg", "node005"],
    ]);
    // named on its page, not linked: the host is gone
    expect((await getPublication(viewer, dry.publicationId!, { q: "node005" })).files.rows.map((f) => [f.change, f.host, f.hostExists])).toEqual([
      ["removed", "node005", false],
      ["removed", "node005", false],
    ]);
    expect((await getPublication(viewer, dry.publicationId!, { q: "node006" })).files.total).toBe(0); // unchanged: not listed
  });

  it("keeps at most DRY_RUN_KEPT.perOutDir dry runs a directory, none older than a day", async () => {
    const { perOutDir } = DRY_RUN_KEPT;
    DRY_RUN_KEPT.perOutDir = 2;
    try {
      const a = (await publish(operator, { outDir: out(), dryRun: true })).publicationId!;
      const b = (await publish(operator, { outDir: out(), dryRun: true })).publicationId!;
      const kept = await db.publication.findMany({ where: { status: "dry_run" }, select: { id: true } });
      expect(kept.map((p) => p.id).sort()).toEqual([a, b].sort());
      await db.publication.update({ where: { id: a }, data: { startedAt: new Date(Date.now() - 25 * 3_600_000) } });
      const c = (await publish(operator, { outDir: out(), dryRun: true })).publicationId!;
      expect((await db.publication.findMany({ where: { status: "dry_run" }, select: { id: true } })).map((p) => p.id).sort()).toEqual([b, c].sort());
      expect(await db.publicationFile.count({ where: { publicationId: a } })).toBe(0);
      // real publications are never pruned
      expect(await db.publication.count({ where: { status: "succeeded" } })).toBe(1);
      // a one-off directory's old dry run goes too, when any other is recorded
      const elsewhere = (await publish(operator, { outDir: path.join(root, "one-off"), dryRun: true })).publicationId!;
      await db.publication.update({ where: { id: elsewhere }, data: { startedAt: new Date(Date.now() - 25 * 3_600_000) } });
      await publish(operator, { outDir: out(), dryRun: true });
      expect(await db.publication.count({ where: { id: elsewhere } })).toBe(0);
    } finally {
      DRY_RUN_KEPT.perOutDir = perOutDir;
    }
  });
});

describe("diffs of a first publish", () => {
  it("the DHCP files get theirs before any per-host file; a cut one is kept whole and downloadable", async () => {
    const limits = { ...DIFF_LIMITS };
    DIFF_LIMITS.maxFiles = 4; // the four DHCP files, and no per-host file
    DIFF_LIMITS.maxBytes = 2048; // 30 hosts' dhcpd.conf is more
    const fresh = path.join(root, "fresh");
    try {
      const r = await publish(operator, { outDir: fresh });
      const dhcp = r.changes.filter((c) => c.path.startsWith("dhcp/"));
      expect(dhcp).toHaveLength(4);
      expect(dhcp.every((c) => c.diff?.startsWith("--- /dev/null\n"))).toBe(true);
      expect(r.changes.filter((c) => c.host).every((c) => c.diff === null)).toBe(true);
      const conf = fs.readFileSync(path.join(fresh, "dhcp/dhcpd-lab.conf"), "utf8");
      const shown = (await getPublication(viewer, r.publicationId!, { q: "dhcpd-lab" })).files.rows[0]!;
      const whole = await getWholeDiff(viewer, r.publicationId!, "dhcp/dhcpd-lab.conf");
      expect(shown).toMatchObject({ path: "dhcp/dhcpd-lab.conf", wholeDiff: true, wholeDiffSize: Buffer.byteLength(whole), diff: expect.stringMatching(/… diff cut at 2 KiB\n$/) });
      expect(applyPatch("", whole)).toBe(conf);

      // the API: text/x-diff as a download; a missing or unknown path is a 4xx naming it
      const get = (q: string) => wholeDiffRoute.GET(new NextRequest(`http://127.0.0.1:3000/api/v1/publications/${r.publicationId}/diff${q}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ id: r.publicationId! }) });
      const res = await get("?path=dhcp/dhcpd-lab.conf");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/x-diff; charset=utf-8");
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="p[0-9a-f]+-dhcp_dhcpd-lab\.conf\.diff"$/);
      expect(applyPatch("", await res.text())).toBe(conf);
      const missing = await get("");
      expect(missing.status).toBe(422);
      const unknown = await get("?path=dhcp/nothing.conf");
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.message).toContain("dhcp/nothing.conf");
    } finally {
      Object.assign(DIFF_LIMITS, limits);
    }
  });
});
