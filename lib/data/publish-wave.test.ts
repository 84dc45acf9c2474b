import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { operator, viewer } from "@/lib/testing/actors";
import { networkForm } from "@/lib/testing/fixtures";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { DHCP_INPUTS, readDhcpInputs } from "@/lib/publish/dhcp-inputs";
import { assignRelease, enrollHosts } from "./host-bulk";
import { networkInput } from "@/lib/validation/network";
import { getHost, updateHost } from "./hosts";
import { createNetwork, getNetwork, updateNetwork } from "./networks";
import { createVersion } from "./releases";
import { MARKER, publish, publishHosts } from "./publish";

// Rollout waves: a publication of some hosts writes the same bytes a full publication would, keeps
// (neither regenerates, checks nor writes) the DHCP files of networks whose inputs did not change,
// and records and returns what each host now boots.

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-wave-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const out = path.join(root, "export");
const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
/** Every file of the directory with its bytes (the marker and the DHCP inputs record apart). */
const tree = () =>
  new Map(
    (fs.readdirSync(out, { recursive: true, withFileTypes: true }) as fs.Dirent[])
      .filter((d) => d.isFile())
      .map((d) => path.relative(out, path.join(d.parentPath, d.name)))
      .filter((f) => f !== MARKER && f !== DHCP_INPUTS && !f.startsWith(".afsboot-publish"))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(out, f)).toString("hex")]),
  );
const lab2 = (i: number) => hostIn(i, { ip: `10.0.1.${10 + i}`, mac: `52:54:00:01:00:${i.toString(16).padStart(2, "0")}` });

beforeAll(async () => {
  await seedInventory();
  await createNetwork(operator, networkForm({ name: "lab2", subnet: "10.0.1.0/24", gateway: "10.0.1.1", dns: ["10.0.1.1"], bootServer: "10.0.1.1" }));
  const images = path.join(root, "images");
  fs.mkdirSync(images);
  fs.writeFileSync(path.join(images, "vmlinuz"), "kernel bytes");
  fs.writeFileSync(path.join(images, "initrd.img"), "initrd bytes");
  await db.release.update({ where: { name: "rh-7.3" }, data: { imagesDir: images } });
  // hosts pinned to version 1, as before a rollout; version 3 (another module list: another overlay) active beside it
  const pinned = { release: { release: "rh-7.3", version: "1" } };
  await enrollHosts(operator, [hostIn(1, pinned), hostIn(2, pinned), hostIn(3, pinned), { ...lab2(4), ...pinned }]);
  await db.host.update({ where: { name: "node004" }, data: { network: { connect: { name: "lab2" } } } });
  await createVersion(operator, "rh-7.3", { version: "3", kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["e1000", "virtio_net"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" }, { activate: true });
  await publish(operator, { outDir: out });
});

describe("publishing a rollout wave", () => {
  it("writes the wave's files and the new overlay; keeps the DHCP files (inputs unchanged), says so; a full publish afterwards changes nothing", async () => {
    await assignRelease(operator, ["node001", "node004"], { release: "rh-7.3", version: "3" });
    const r = await publishHosts(operator, { names: ["node001", "node004"] }, { outDir: out });
    const macs = ["52-54-00-00-00-01", "52-54-00-01-00-04"];
    expect(r.changes.map((c) => `${c.change} ${c.path.replace(/[0-9a-f]{16}\.cpio/, "SHA.cpio")}`)).toEqual([
      ...macs.map((m) => `changed ipxe/01-${m}.ipxe`),
      "added overlays/rh-7.3-3-example.org-SHA.cpio.gz",
      ...macs.map((m) => `changed pxelinux.cfg/01-${m}`),
    ]);
    // both networks' DHCP files kept: not regenerated, not checked, not written, and the publication says so
    expect(r.validation.map((v) => `${v.validator} ${v.file} ${v.status}`).sort()).toEqual(
      ["dhcpd dhcp/dhcpd-lab", "dhcpd dhcp/dhcpd-lab2", "dnsmasq dhcp/dnsmasq-lab", "dnsmasq dhcp/dnsmasq-lab2", "kea dhcp/kea-dhcp4-lab", "kea dhcp/kea-dhcp4-lab2"]
        .map((v) => v.replace(/(dhcpd-lab2?|dnsmasq-lab2?)$/, "$1.conf").replace(/(kea-dhcp4-lab2?)$/, "$1.json") + " skipped")
        .sort(),
    );
    expect(r.validation.every((v) => v.output.startsWith("unchanged: its network's DHCP inputs are those it was published from"))).toBe(true);
    const pub = await db.publication.findUniqueOrThrow({ where: { id: r.publicationId! } });
    expect(pub).toMatchObject({ scope: "hosts", scopeHosts: ["node001", "node004"], validation: r.validation });
    // what each host now boots: returned, recorded on the host, and what the files say
    const overlay = r.changes.find((c) => c.kind === "overlay")!;
    expect(r.assigned.map((a) => a.host)).toEqual(["node001", "node004"]);
    for (const [i, a] of r.assigned.entries()) {
      const ipxe = `ipxe/01-${macs[i]}.ipxe`;
      expect(a.initrdSha256).toBe(overlay.sha256);
      expect(a.configSha256).toBe(sha(fs.readFileSync(path.join(out, ipxe))));
      expect(a.files[`pxelinux.cfg/01-${macs[i]}`]).toBe(sha(fs.readFileSync(path.join(out, `pxelinux.cfg/01-${macs[i]}`))));
      expect(fs.readFileSync(path.join(out, ipxe), "utf8")).toContain(`afsboot.overlay=${overlay.sha256}`);
      expect(await db.host.findUniqueOrThrow({ where: { name: a.host }, select: { assignedInitrdSha256: true, assignedConfigSha256: true } })).toEqual({
        assignedInitrdSha256: a.initrdSha256,
        assignedConfigSha256: a.configSha256,
      });
    }
    // a full publication agrees, byte for byte
    const before = tree();
    const full = await publish(operator, { outDir: out });
    expect(full.changes).toEqual([]);
    expect(tree()).toEqual(before);
    // the hosts not in the wave were assigned by the first publication, configs included
    expect(await db.host.findUniqueOrThrow({ where: { name: "node002" } })).toMatchObject({ assignedConfigSha256: sha(fs.readFileSync(path.join(out, "ipxe/01-52-54-00-00-00-02.ipxe"))) });
  });

  it("regenerates a network's DHCP files whose inputs changed (another host's address), checks them whole, and leaves the other network's kept", async () => {
    await db.host.update({ where: { name: "node003" }, data: { ip: "10.0.0.99", ipKey: "010.000.000.099" } });
    await assignRelease(operator, ["node002"], { release: "rh-7.3", version: "3" });
    // node004 (network lab2, already on version 3) in the same wave: its network's files stay kept
    const ids = await db.host.findMany({ where: { name: { in: ["node002", "node004"] } }, select: { id: true } });
    const r = await publishHosts(operator, { ids: ids.map((h) => h.id) }, { outDir: out });
    expect(r.changes.filter((c) => c.kind !== "ipxe" && c.kind !== "pxelinux").map((c) => `${c.change} ${c.path}`)).toEqual([
      "changed dhcp/dhcpd-lab.conf",
      "changed dhcp/dnsmasq-lab.hosts",
      "changed dhcp/kea-dhcp4-lab.json",
    ]);
    expect(fs.readFileSync(path.join(out, "dhcp/dhcpd-lab.conf"), "utf8")).toContain("fixed-address 10.0.0.99;");
    expect(r.validation.filter((v) => v.status !== "skipped").map((v) => `${v.validator}:${v.status}`).sort()).toEqual(["dhcpd:passed", "dnsmasq:passed", "kea:passed"]);
    expect(r.validation.filter((v) => v.status === "skipped").map((v) => v.file).sort()).toEqual(["dhcp/dhcpd-lab2.conf", "dhcp/dnsmasq-lab2.conf", "dhcp/kea-dhcp4-lab2.json"]);
    expect(readDhcpInputs(out)).toEqual(expect.objectContaining({ lab: expect.objectContaining({ files: expect.objectContaining({ "dhcp/dhcpd-lab.conf": sha(fs.readFileSync(path.join(out, "dhcp/dhcpd-lab.conf"))) }) }) }));
    const before = tree();
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
    expect(tree()).toEqual(before);
    await expect(publishHosts(operator, { ids: ["no-such-id"] }, { outDir: out })).rejects.toMatchObject({ status: 404 });
  });

  it("keeps nothing in a directory that does not hold the last publication, nor after a DHCP file went missing; a dry run records nothing", async () => {
    await assignRelease(operator, ["node003"], { release: "rh-7.3", version: "3" });
    const dhcpd = path.join(out, "dhcp/dhcpd-lab.conf");
    const good = fs.readFileSync(dhcpd);
    fs.rmSync(dhcpd);
    const record = fs.readFileSync(path.join(out, DHCP_INPUTS));
    const dry = await publish(operator, { outDir: out, hosts: ["node003"], dryRun: true });
    expect(dry.changes.map((c) => c.path)).toContain("dhcp/dhcpd-lab.conf");
    expect(fs.readFileSync(path.join(out, DHCP_INPUTS))).toEqual(record);
    const r = await publish(operator, { outDir: out, hosts: ["node003"] });
    expect(r.changes.filter((c) => c.kind === "dhcpd").map((c) => `${c.change} ${c.path}`)).toEqual(["changed dhcp/dhcpd-lab.conf"]);
    expect(fs.readFileSync(dhcpd)).toEqual(good);
    // another replica's directory of the same path: its record is not taken for this one's
    fs.writeFileSync(path.join(out, MARKER), "p-from-another-replica\n");
    const other = await publish(operator, { outDir: out, hosts: ["node003"] });
    expect(other.validation.filter((v) => v.status === "skipped").every((v) => v.output.startsWith("unchanged: regenerated"))).toBe(true);
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
  });

  it("networks with several boot servers are one unit: a wave in one rewrites each server's Kea file with the other's hosts still in it", async () => {
    const servers = [
      { name: "boot1", address: "10.0.0.2" },
      { name: "boot2", address: "10.0.0.3" },
    ];
    for (const [name, subnet, gateway] of [
      ["lab", "10.0.0.0/24", "10.0.0.1"],
      ["lab2", "10.0.1.0/24", "10.0.1.1"],
    ] as const) {
      const n = await getNetwork(viewer, name);
      await updateNetwork(operator, name, { ...networkInput.parse(networkForm({ name, subnet, gateway, dns: [gateway], bootServer: undefined, bootServers: servers })), revision: n.revision });
    }
    await publish(operator, { outDir: out });
    const kea = () => fs.readFileSync(path.join(out, "dhcp/boot1/kea-dhcp4.json"), "utf8");
    expect(kea()).toContain(lab2(4).mac);
    // a host of lab moves: the replicated unit is regenerated whole, lab2's reservations with it
    const h = await getHost(viewer, "node001");
    await updateHost(operator, "node001", { ...hostIn(1), release: { release: "rh-7.3", version: "3" }, ip: "10.0.0.77", revision: h.revision });
    const r = await publishHosts(operator, { names: ["node001"] }, { outDir: out });
    expect(r.changes.map((c) => c.path)).toEqual(expect.arrayContaining(["dhcp/boot1/kea-dhcp4.json", "dhcp/boot2/kea-dhcp4.json", "dhcp/dnsmasq-lab.hosts"]));
    expect(r.validation.filter((v) => v.status === "failed")).toEqual([]);
    expect(kea()).toContain('"ip-address": "10.0.0.77"');
    expect(kea()).toContain(lab2(4).mac);
    const before = tree();
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
    expect(tree()).toEqual(before);
  });

  it("a release elsewhere whose images cannot be read does not stop a wave, and its published images stay", async () => {
    // node002 boots a version of another release whose images are published, then become unreadable
    const imagesB = path.join(root, "images-b");
    fs.mkdirSync(imagesB);
    fs.writeFileSync(path.join(imagesB, "vmlinuz"), "kernel B bytes");
    fs.writeFileSync(path.join(imagesB, "initrd.img"), "initrd B bytes");
    await db.release.create({ data: { name: "other", tree: "/afs/example.org/boot/other", imagesDir: imagesB } });
    await createVersion(operator, "other", { version: "1", kernel: "vmlinuz", baseInitrd: "initrd.img", modules: ["e1000"], readonly: ["usr"], writable: ["etc"], tmpfsSize: "90M", notes: "" }, { activate: true });
    await assignRelease(operator, ["node002"], { release: "other", version: "1" });
    await publish(operator, { outDir: out });
    const imageB = `images/${sha(Buffer.from("kernel B bytes"))}/vmlinuz`;
    expect(fs.existsSync(path.join(out, imageB))).toBe(true);
    fs.rmSync(imagesB, { recursive: true });
    // a wave of node003 publishes; the full publication, which needs every image, is refused
    await assignRelease(operator, ["node003"], { release: "rh-7.3", version: "1" });
    const r = await publishHosts(operator, { names: ["node003"] }, { outDir: out });
    expect(r.changes.filter((c) => c.path.startsWith("images/"))).toEqual([]);
    expect(fs.existsSync(path.join(out, imageB))).toBe(true);
    await expect(publish(operator, { outDir: out })).rejects.toThrow(/cannot read/);
    // node002 itself is refused: its own version's images must be readable
    await expect(publishHosts(operator, { names: ["node002"] }, { outDir: out })).rejects.toThrow(/cannot read/);
  });
});
