import { afterEach, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { enrollHosts } from "./host-bulk";
import { deleteHost, getHost, updateHost } from "./hosts";
import { publish } from "./publish";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-publish-"));
const out = path.join(root, "export");
const images = path.join(root, "images");
const files = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort() : [];

beforeAll(async () => {
  await seedInventory();
  fs.mkdirSync(images);
  fs.writeFileSync(path.join(images, "vmlinuz"), "kernel bytes");
  fs.writeFileSync(path.join(images, "initrd.img"), "initrd bytes");
  await db.release.update({ where: { name: "rh-7.3" }, data: { imagesDir: images } });
  await enrollHosts(operator, [hostIn(1), hostIn(2, { kernelArgs: "quiet" })]);
});
afterEach(() => {
  delete process.env.AFSBOOT_DHCPD;
});

describe("publish", () => {
  it("writes every boot file, validated by the real daemons, and records the publication", async () => {
    const r = await publish(operator, { outDir: out });
    expect(r.status).toBe("succeeded");
    expect(r.validation.map((v) => `${v.validator}:${v.status}`).sort()).toEqual(["dhcpd:passed", "dnsmasq:passed", "kea:passed"]);
    const written = files(out);
    expect(written).toEqual(expect.arrayContaining(["boot.ipxe", "dhcp/dhcpd-lab.conf", "dhcp/kea-dhcp4-lab.json", "dhcp/dnsmasq-lab.conf", "dhcp/dnsmasq-lab.hosts", `ipxe/01-${hostIn(1).mac.replace(/:/g, "-")}.ipxe`, `pxelinux.cfg/01-${hostIn(2).mac.replace(/:/g, "-")}`]));
    expect(written.some((f) => /^overlays\/rh-7\.3-1-example\.org-[0-9a-f]{16}\.cpio\.gz$/.test(f))).toBe(true);
    expect(fs.readFileSync(path.join(out, written.find((f) => f.endsWith("/vmlinuz"))!), "utf8")).toBe("kernel bytes");
    expect(r.changes.every((c) => c.change === "added")).toBe(true);
    const pub = await db.publication.findUniqueOrThrow({ where: { id: r.publicationId }, include: { _count: { select: { files: true } } } });
    expect(pub).toMatchObject({ status: "succeeded", filesChanged: written.length, _count: { files: written.length } });
    expect((await getHost(viewer, "node001")).lastBoot).toBeNull();
    expect((await db.host.findUniqueOrThrow({ where: { name: "node001" } })).assignedInitrdSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(written.filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("a second publish changes nothing; one host's change rewrites only what it touches", async () => {
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
    const h = await getHost(viewer, "node002");
    await updateHost(operator, "node002", { ...hostIn(2), kernelArgs: "quiet loglevel=3", revision: h.revision });
    const r = await publish(operator, { outDir: out });
    const mac = hostIn(2).mac.replace(/:/g, "-");
    expect(r.changes.map((c) => `${c.change} ${c.path}`).sort()).toEqual([`changed ipxe/01-${mac}.ipxe`, `changed pxelinux.cfg/01-${mac}`]);
    expect(fs.readFileSync(path.join(out, `pxelinux.cfg/01-${mac}`), "utf8")).toContain("quiet loglevel=3");
  });

  it("removes the files of a deleted host; a dry run writes nothing", async () => {
    await deleteHost(operator, "node002");
    const mac = hostIn(2).mac.replace(/:/g, "-");
    const dry = await publish(operator, { outDir: out, dryRun: true });
    expect(dry.status).toBe("dry_run");
    expect(dry.changes).toEqual(expect.arrayContaining([{ path: `pxelinux.cfg/01-${mac}`, change: "removed" }]));
    expect(fs.existsSync(path.join(out, `pxelinux.cfg/01-${mac}`))).toBe(true);
    await publish(operator, { outDir: out });
    expect(fs.existsSync(path.join(out, `pxelinux.cfg/01-${mac}`))).toBe(false);
  });

  it("publishes nothing when a validator fails, and records why", async () => {
    const snapshot = new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f))]));
    await enrollHosts(operator, [hostIn(3)]);
    process.env.AFSBOOT_DHCPD = "/bin/false"; // a daemon that rejects everything
    await expect(publish(operator, { outDir: out })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Nothing was published: dhcpd rejected dhcp/dhcpd-lab.conf") });
    expect(new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f))]))).toEqual(snapshot);
    expect(await db.publication.count({ where: { status: "failed" } })).toBe(1);
    await expect(publish(viewer, { outDir: out })).rejects.toMatchObject({ status: 403 });
  });
});
