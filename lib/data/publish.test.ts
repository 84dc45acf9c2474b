import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { db } from "@/lib/db";
import { operator, viewer } from "@/lib/testing/actors";
import { hostIn, seedInventory } from "@/lib/testing/fleet-fixtures";
import { enrollHosts } from "./host-bulk";
import { deleteHost, getHost, updateHost } from "./hosts";
import { DHCP_INPUTS } from "@/lib/publish/dhcp-inputs";
import { digestCacheDir } from "@/lib/publish/file-cache";
import { MARKER, publish } from "./publish";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-publish-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const out = path.join(root, "export");
const images = path.join(root, "images");
/** The published files of a directory (not the marker naming the publication it holds, nor the record of its DHCP inputs). */
const files = (dir: string): string[] =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
        .filter((f) => f !== MARKER && f !== DHCP_INPUTS)
        .sort()
    : [];

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
    const pub = await db.publication.findUniqueOrThrow({ where: { id: r.publicationId! }, include: { _count: { select: { files: true } } } });
    expect(pub).toMatchObject({ status: "succeeded", filesChanged: written.length, _count: { files: written.length } });
    expect((await getHost(viewer, "node001")).lastBoot).toBeNull();
    expect((await db.host.findUniqueOrThrow({ where: { name: "node001" } })).assignedInitrdSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(written.filter((f) => f.includes(".tmp-"))).toEqual([]);
    // each host's files are its own, in the changes and in the manifest; the fleet-wide ones no one's
    const node1 = await db.host.findUniqueOrThrow({ where: { name: "node001" } });
    const own = [`ipxe/01-${hostIn(1).mac.replace(/:/g, "-")}.ipxe`, `pxelinux.cfg/01-${hostIn(1).mac.replace(/:/g, "-")}`];
    expect(r.changes.filter((c) => c.host === "node001").map((c) => c.path).sort()).toEqual(own);
    expect(r.changes.filter((c) => c.host === null || c.host === undefined).every((c) => !/\/01-/.test(c.path))).toBe(true);
    const manifest = await db.exportFile.findMany({ where: { outDir: out }, select: { path: true, hostId: true, sha256: true } });
    expect(manifest.filter((m) => m.hostId === node1.id).map((m) => m.path).sort()).toEqual(own);
    expect(manifest.filter((m) => m.hostId === null).every((m) => !/\/01-/.test(m.path))).toBe(true);
    // every digest recorded (hashed by the staging worker as it wrote the file) is the file's own
    const onDisk = (rel: string) => crypto.createHash("sha256").update(fs.readFileSync(path.join(out, rel))).digest("hex");
    expect(manifest.filter((m) => m.sha256 !== onDisk(m.path))).toEqual([]);
    expect(r.changes.filter((c) => c.sha256 !== onDisk(c.path))).toEqual([]);
    const recorded = await db.publicationFile.findMany({ where: { publicationId: r.publicationId! }, select: { path: true, sha256: true } });
    expect(recorded.filter((f) => f.sha256 !== onDisk(f.path))).toEqual([]);
    const units = JSON.parse(fs.readFileSync(path.join(out, DHCP_INPUTS), "utf8")) as Record<string, { files: Record<string, string> }>;
    for (const u of Object.values(units)) for (const [p, sha] of Object.entries(u.files)) expect(sha, p).toBe(onDisk(p));
    expect(node1.assignedConfigSha256).toBe(onDisk(own[0]!));
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
    expect(dry.changes).toEqual(expect.arrayContaining([expect.objectContaining({ path: `pxelinux.cfg/01-${mac}`, change: "removed" })]));
    expect(await db.publication.findUniqueOrThrow({ where: { id: dry.publicationId! } })).toMatchObject({ status: "dry_run", filesChanged: dry.changes.length });
    expect(fs.existsSync(path.join(out, `pxelinux.cfg/01-${mac}`))).toBe(true);
    await publish(operator, { outDir: out });
    expect(fs.existsSync(path.join(out, `pxelinux.cfg/01-${mac}`))).toBe(false);
  });

  it("a first publication that cannot stage a file (a file where its folder goes) fails and leaves nothing behind", async () => {
    // the hosts' files are written aside while they are generated (a worker thread); the kernel's
    // folder cannot be made: the worker is stopped and what it wrote is removed
    const blocked = path.join(root, "blocked");
    fs.mkdirSync(blocked);
    fs.writeFileSync(path.join(blocked, "images"), "in the way");
    await expect(publish(operator, { outDir: blocked })).rejects.toThrow(/ENOTDIR|not a directory/);
    expect(fs.readdirSync(blocked)).toEqual(["images"]);
    expect(await db.exportFile.count({ where: { outDir: blocked } })).toBe(0);
  });

  it("a first publication whose kernel is not the file it hashed (changed meanwhile) is refused with 422, leaves nothing, and the next one hashes it anew", async () => {
    // the staging worker copies the images, checking each against the sha256 the snapshot took:
    // that digest is made to come from the on-disk cache (lib/publish/file-cache.ts), as kept for
    // other bytes with the kernel's identity
    const kernel = path.join(images, "vmlinuz");
    const before = fs.readFileSync(kernel);
    try {
      fs.writeFileSync(kernel, "kernel bytes, rebuilt");
      const st = fs.statSync(kernel, { bigint: true });
      const dir = digestCacheDir();
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const entry = `${crypto.createHash("sha256").update(path.resolve(kernel)).digest("hex").slice(0, 40)}.sha256`;
      const identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      fs.writeFileSync(path.join(dir, entry), `afsboot-sha256 1\n${path.resolve(kernel)}\n${identity}\n${"a".repeat(64)}\n`, { mode: 0o600 });
      const fresh = path.join(root, "kernel-changed");
      await expect(publish(operator, { outDir: fresh })).rejects.toMatchObject({ status: 422, message: expect.stringContaining(`${kernel} changed while publishing`) });
      expect(files(fresh)).toEqual([]);
      expect(await db.exportFile.count({ where: { outDir: fresh } })).toBe(0);
      // the wrong digest is forgotten: publishing again hashes the kernel anew, and succeeds
      expect(fs.existsSync(path.join(dir, entry))).toBe(false);
      expect((await publish(operator, { outDir: fresh })).status).toBe("succeeded");
      expect(fs.readFileSync(path.join(fresh, files(fresh).find((f) => f.endsWith("/vmlinuz"))!), "utf8")).toBe("kernel bytes, rebuilt");
    } finally {
      fs.writeFileSync(kernel, before);
    }
  });

  it("a first publication a validator refuses leaves nothing, records why, and the next one publishes", async () => {
    const fresh = path.join(root, "first-refused");
    const daemon = path.join(root, "dhcpd-refuses");
    const calls = path.join(root, "dhcpd-calls");
    fs.writeFileSync(daemon, `#!/bin/sh\necho "$@" >> '${calls}'\necho "line 3: host node002: unknown option" >&2\nexit 1\n`, { mode: 0o755 });
    process.env.AFSBOOT_DHCPD = daemon;
    const err = await publish(operator, { outDir: fresh }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, message: expect.stringContaining("Nothing was published: dhcpd rejected dhcp/dhcpd-lab.conf"), fields: { "dhcp/dhcpd-lab.conf": expect.stringContaining("line 3: host node002: unknown option") } });
    expect(files(fresh)).toEqual([]);
    expect(fs.existsSync(path.join(fresh, MARKER))).toBe(false);
    expect(await db.exportFile.count({ where: { outDir: fresh } })).toBe(0);
    const failed = await db.publication.findFirstOrThrow({ where: { outDir: fresh } });
    expect(failed).toMatchObject({ status: "failed", filesChanged: 0 });
    expect((failed.timings as Record<string, number>).validators).toBeGreaterThanOrEqual(0);
    // checked once, the config the publication made
    expect(fs.readFileSync(calls, "utf8").trim().split("\n")).toEqual([expect.stringMatching(/^-t -4 -cf \S+\/dhcpd-lab\.conf /)]);
    // and once it passes, the same directory gets its first publication
    delete process.env.AFSBOOT_DHCPD;
    expect((await publish(operator, { outDir: fresh })).status).toBe("succeeded");
    expect(files(fresh)).toEqual(expect.arrayContaining(["dhcp/dhcpd-lab.conf", `pxelinux.cfg/01-${hostIn(1).mac.replace(/:/g, "-")}`]));
  });

  it("publishes nothing when a validator fails, and records why", async () => {
    const snapshot = new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f))]));
    await enrollHosts(operator, [hostIn(3)]);
    process.env.AFSBOOT_DHCPD = "/bin/false"; // a daemon that rejects everything
    await expect(publish(operator, { outDir: out })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Nothing was published: dhcpd rejected dhcp/dhcpd-lab.conf") });
    expect(new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f))]))).toEqual(snapshot);
    expect(await db.publication.count({ where: { status: "failed", outDir: out } })).toBe(1);
    await expect(publish(viewer, { outDir: out })).rejects.toMatchObject({ status: 403 });
  });
});

describe("publication records, hooks and scoped publishes", () => {
  const hooks = path.join(root, "hooks");
  afterEach(() => {
    delete process.env.AFSBOOT_HOOKS_DIR;
  });

  it("keeps a unified diff of each changed text file, and a summary for binary ones", async () => {
    await publish(operator, { outDir: out });
    const h = await getHost(viewer, "node001");
    await updateHost(operator, "node001", { ...hostIn(1), kernelArgs: "nomodeset", revision: h.revision });
    const r = await publish(operator, { outDir: out });
    const mac = hostIn(1).mac.replace(/:/g, "-");
    const row = await db.publicationFile.findUniqueOrThrow({ where: { publicationId_path: { publicationId: r.publicationId!, path: `pxelinux.cfg/01-${mac}` } } });
    expect(row.change).toBe("changed");
    expect(row.diff).toMatch(/^--- a\/pxelinux\.cfg\/01-/);
    expect(row.diff).toMatch(/\n-  APPEND (?!.*nomodeset).*\n\+  APPEND .* nomodeset\n/);
    // only changed files are recorded; the manifest lists what the directory holds
    expect(await db.publicationFile.count({ where: { publicationId: r.publicationId! } })).toBe(r.changes.length);
    expect(await db.exportFile.count({ where: { outDir: out } })).toBe(files(out).filter((f) => !f.startsWith(".")).length);
  });

  it("runs the post-publish hooks in name order with the changes on stdin, and records their output", async () => {
    fs.mkdirSync(hooks);
    process.env.AFSBOOT_HOOKS_DIR = hooks;
    fs.writeFileSync(path.join(hooks, "10-reload"), '#!/bin/sh\necho "kinds=$AFSBOOT_CHANGED_KINDS count=$AFSBOOT_CHANGED_COUNT dir=$AFSBOOT_EXPORT_DIR"\ncat\n', { mode: 0o755 });
    fs.writeFileSync(path.join(hooks, "20-vos-release"), "#!/bin/sh\necho volume busy >&2\nexit 3\n", { mode: 0o755 });
    fs.writeFileSync(path.join(hooks, "30-slow"), "#!/bin/sh\nsleep 30\n", { mode: 0o755 });
    fs.writeFileSync(path.join(hooks, "05-not-executable"), "#!/bin/sh\nexit 1\n", { mode: 0o644 });
    fs.writeFileSync(path.join(hooks, "10-reload.dpkg-old"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    process.env.AFSBOOT_HOOK_TIMEOUT = "1";
    try {
      await enrollHosts(operator, [hostIn(4)]);
      const r = await publish(operator, { outDir: out });
      expect(r.hooks.map((x) => `${x.name}:${x.status}:${x.exitCode}`)).toEqual(["10-reload:ok:0", "20-vos-release:failed:3", "30-slow:timeout:null"]);
      expect(r.hooks[0]!.output).toContain(`count=${r.changes.length} dir=${out}`);
      expect(r.hooks[0]!.output).toMatch(/kinds=dhcpd,dnsmasq,ipxe,kea,pxelinux/);
      expect(r.hooks[0]!.output).toContain(`added\tpxelinux.cfg/01-${hostIn(4).mac.replace(/:/g, "-")}`);
      expect(r.hooks[1]!.output).toBe("volume busy\n");
      expect(r.hooks[2]!.output).toContain("stopped after 1 s");
      const pub = await db.publication.findUniqueOrThrow({ where: { id: r.publicationId! } });
      expect(pub.hooks).toEqual(r.hooks);
      // nothing changed: no hooks
      expect((await publish(operator, { outDir: out })).hooks).toEqual([]);
    } finally {
      delete process.env.AFSBOOT_HOOK_TIMEOUT;
    }
  });

  it("a scoped publish rewrites only that host's files and its network's DHCP files, and removes its old ones", async () => {
    await publish(operator, { outDir: out });
    const before = new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f))]));
    const h = await getHost(viewer, "node004");
    const newMac = "52:54:00:aa:bb:04";
    await updateHost(operator, "node004", { ...hostIn(4), mac: newMac, revision: h.revision });
    const r = await publish(operator, { outDir: out, hosts: ["node004"] });
    const old = hostIn(4).mac.replace(/:/g, "-");
    expect(r.changes.map((c) => `${c.change} ${c.path}`)).toEqual([
      "changed dhcp/dhcpd-lab.conf",
      "changed dhcp/dnsmasq-lab.hosts",
      "changed dhcp/kea-dhcp4-lab.json",
      `removed ipxe/01-${old}.ipxe`,
      "added ipxe/01-52-54-00-aa-bb-04.ipxe",
      `removed pxelinux.cfg/01-${old}`,
      "added pxelinux.cfg/01-52-54-00-aa-bb-04",
    ]);
    expect(r.validation.map((v) => `${v.validator}:${v.status}`).sort()).toEqual(["dhcpd:passed", "dnsmasq:passed", "kea:passed"]);
    const after = new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f))]));
    for (const [f, bytes] of before) if (!r.changes.some((c) => c.path === f)) expect(after.get(f)).toEqual(bytes);
    // a full publish afterwards agrees: nothing left to do
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
    const pub = await db.publication.findUniqueOrThrow({ where: { id: r.publicationId! } });
    expect(pub).toMatchObject({ scope: "hosts", scopeHosts: ["node004"] });
    await expect(publish(operator, { outDir: out, hosts: ["nope"] })).rejects.toMatchObject({ status: 404 });
  });

  it("a value the generators refuse (data changed behind the data layer) stops the publish with a 422, not a crash", async () => {
    await db.host.update({ where: { name: "node001" }, data: { ip: "192.168.9.9" } });
    try {
      await expect(publish(operator, { outDir: out })).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/^Cannot generate the boot files: network lab: host "node001": IP 192\.168\.9\.9 is not a host address of 10\.0\.0\.0\/24/) });
    } finally {
      await db.host.update({ where: { name: "node001" }, data: { ip: hostIn(1).ip } });
    }
  });

  it("a Secure Boot host that cannot boot its version (data changed behind the data layer) stops the publish: 422 naming it, nothing written", async () => {
    const before = new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f), "hex")]));
    const counts = async () => [await db.publication.count(), await db.exportFile.count()];
    const recorded = await counts();
    // rh-7.3@1's kernel is not marked signed: the data layer refuses this, the database does not
    await db.network.update({ where: { name: "lab" }, data: { secureBoot: true } });
    try {
      const refused = {
        status: 422,
        message: expect.stringMatching(
          /^Nothing was published: \d+ hosts with Secure Boot cannot boot their assigned version: host node001: Secure Boot needs a signed kernel: release rh-7\.3 version 1 has no kernel marked signed \(a version is marked while it is a draft: make a new version with "Signed kernel" and activate it\), or turn Secure Boot off for this host \(also node00\d/,
        ),
        fields: expect.objectContaining({ "hosts.node001.secureBoot": expect.stringContaining("Secure Boot needs a signed kernel") }),
      };
      await expect(publish(operator, { outDir: out })).rejects.toMatchObject(refused);
      await expect(publish(operator, { outDir: out, dryRun: true })).rejects.toMatchObject(refused);
      await expect(publish(operator, { outDir: out, hosts: ["node001"] })).rejects.toMatchObject({ status: 422 });
      expect(new Map(files(out).map((f) => [f, fs.readFileSync(path.join(out, f), "hex")]))).toEqual(before);
      expect(await counts()).toEqual(recorded);
      // a signed kernel (a version marked so, as activating one through the data layer would need): published
      await db.releaseVersion.updateMany({ where: { release: { name: "rh-7.3" } }, data: { signedKernel: true } });
      // ... once shim and the signed GRUB are there to boot through
      await expect(publish(operator, { outDir: out, dryRun: true })).rejects.toMatchObject({
        status: 422,
        message: expect.stringMatching(/^Nothing was published: Secure Boot hosts \(node001, .*\) boot through shimx64\.efi and grubx64\.efi, which are not installed: install shim-signed and grub-efi-amd64-signed/),
      });
      const loaderRoot = process.env.AFSBOOT_LOADER_ROOTS!;
      for (const rel of ["usr/lib/shim/shimx64.efi.signed", "usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"]) {
        fs.mkdirSync(path.dirname(path.join(loaderRoot, rel)), { recursive: true });
        fs.writeFileSync(path.join(loaderRoot, rel), rel);
      }
      try {
        expect((await publish(operator, { outDir: out, dryRun: true })).status).toBe("dry_run");
        // published (elsewhere): a Secure Boot host is assigned its GRUB config, the one its DHCP entry hands it
        const sbOut = path.join(root, "secure-boot-export");
        expect((await publish(operator, { outDir: sbOut })).status).toBe("succeeded");
        const mac = hostIn(1).mac.replace(/:/g, "-");
        const sha = (rel: string) => crypto.createHash("sha256").update(fs.readFileSync(path.join(sbOut, rel))).digest("hex");
        expect(await db.host.findUniqueOrThrow({ where: { name: "node001" }, select: { assignedConfigSha256: true } })).toEqual({ assignedConfigSha256: sha(`grub/01-${mac}.cfg`) });
        const scoped = await publish(operator, { outDir: sbOut, hosts: ["node001"] });
        expect(scoped.assigned).toEqual([
          {
            host: "node001",
            initrdSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
            configSha256: sha(`grub/01-${mac}.cfg`),
            files: { [`grub/01-${mac}.cfg`]: sha(`grub/01-${mac}.cfg`), [`ipxe/01-${mac}.ipxe`]: sha(`ipxe/01-${mac}.ipxe`), [`pxelinux.cfg/01-${mac}`]: sha(`pxelinux.cfg/01-${mac}`) },
          },
        ]);
      } finally {
        fs.rmSync(path.join(loaderRoot, "usr"), { recursive: true, force: true });
      }
    } finally {
      await db.network.update({ where: { name: "lab" }, data: { secureBoot: false } });
      await db.releaseVersion.updateMany({ where: { release: { name: "rh-7.3" } }, data: { signedKernel: false } });
    }
  });

  it("writes a published file again when someone deleted it by hand", async () => {
    const mac = hostIn(1).mac.replace(/:/g, "-");
    fs.rmSync(path.join(out, `ipxe/01-${mac}.ipxe`));
    const r = await publish(operator, { outDir: out });
    expect(r.changes.map((c) => `${c.change} ${c.path}`)).toEqual([`changed ipxe/01-${mac}.ipxe`]);
    expect(fs.existsSync(path.join(out, `ipxe/01-${mac}.ipxe`))).toBe(true);
  });

  it("a directory that did not get the last publication (another replica's directory of the same path) is checked file by file and mended", async () => {
    const mac = hostIn(1).mac.replace(/:/g, "-");
    const script = path.join(out, `ipxe/01-${mac}.ipxe`);
    const good = fs.readFileSync(script, "utf8");
    // what a replica's own directory would hold: an older script, the marker of an older publication
    fs.writeFileSync(script, good.replace("AFSBoot: booting", "AFSBoot: old booting"));
    fs.writeFileSync(path.join(out, MARKER), "p-from-another-replica\n");
    const r = await publish(operator, { outDir: out });
    expect(r.changes.map((c) => `${c.change} ${c.path}`)).toEqual([`changed ipxe/01-${mac}.ipxe`]);
    expect(fs.readFileSync(script, "utf8")).toBe(good);
    expect(fs.readFileSync(path.join(out, MARKER), "utf8")).toBe(`${r.publicationId}\n`);
    // the marker matches again: the manifest speaks for the directory (no file is read)
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
  });

  it("removes temporary files a killed publisher left, and serialises publishers of one directory", async () => {
    const stale = path.join(out, "pxelinux.cfg", ".01-52-54-00-00-00-01.tmp-99999-0123abcd");
    fs.writeFileSync(stale, "half");
    const [a, b] = await Promise.all([publish(operator, { outDir: out }), publish(operator, { outDir: out })]);
    expect([a.status, b.status]).toEqual(["succeeded", "succeeded"]);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(path.join(out, ".afsboot-publish.lock"))).toBe(false);
  });
});

describe("a network's DHCP event hook", () => {
  it("rewrites the network's three DHCP configs, Kea's with the run_script library, validated by the daemons; clearing it restores them", async () => {
    const hook = "/usr/local/sbin/afsboot-dhcp-event";
    const before = new Map(["dhcp/dhcpd-lab.conf", "dhcp/kea-dhcp4-lab.json", "dhcp/dnsmasq-lab.conf"].map((f) => [f, fs.readFileSync(path.join(out, f), "utf8")]));
    await db.network.update({ where: { name: "lab" }, data: { dhcpEventHook: hook } });
    try {
      const r = await publish(operator, { outDir: out });
      expect(r.changes.map((c) => `${c.change} ${c.path}`).sort()).toEqual(["changed dhcp/dhcpd-lab.conf", "changed dhcp/dnsmasq-lab.conf", "changed dhcp/kea-dhcp4-lab.json"]);
      expect(r.validation.map((v) => `${v.validator}:${v.status}`).sort()).toEqual(["dhcpd:passed", "dnsmasq:passed", "kea:passed"]);
      expect(fs.readFileSync(path.join(out, "dhcp/dnsmasq-lab.conf"), "utf8")).toContain(`\ndhcp-script=${hook}\n`);
      expect(JSON.parse(fs.readFileSync(path.join(out, "dhcp/kea-dhcp4-lab.json"), "utf8")).Dhcp4["hooks-libraries"]).toEqual([
        { library: "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_run_script.so", parameters: { name: hook, sync: false } },
      ]);
      expect(fs.readFileSync(path.join(out, "dhcp/dhcpd-lab.conf"), "utf8")).toContain(`execute("${hook}", "dhcpd-commit", `);
    } finally {
      await db.network.update({ where: { name: "lab" }, data: { dhcpEventHook: null } });
    }
    await publish(operator, { outDir: out });
    for (const [f, text] of before) expect(fs.readFileSync(path.join(out, f), "utf8"), f).toBe(text);
  });
});

describe("boot loaders from Debian's packages", () => {
  const loaderRoot = path.join(root, "loader-root");
  const put = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(loaderRoot, rel)), { recursive: true });
    fs.writeFileSync(path.join(loaderRoot, rel), text);
  };
  beforeAll(() => {
    process.env.AFSBOOT_LOADER_ROOTS = `${path.join(root, "no-such-root")}:${loaderRoot}`;
  });
  afterAll(() => {
    delete process.env.AFSBOOT_LOADER_ROOTS;
  });

  it("copies the installed ones to the export root under the names the DHCP configs give, and follows a package update", async () => {
    put("usr/lib/ipxe/snponly.efi", "snponly 1");
    put("usr/lib/ipxe/undionly.kpxe", "undionly 1");
    put("usr/lib/shim/shimx64.efi.signed", "shim 1");
    put("usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed", "grubnet 1");
    const r = await publish(operator, { outDir: out });
    expect(r.changes.filter((c) => c.kind === "loader").map((c) => `${c.change} ${c.path}`)).toEqual(["added grubx64.efi", "added shimx64.efi", "added snponly.efi", "added undionly.kpxe"]);
    expect(fs.readFileSync(path.join(out, "grubx64.efi"), "utf8")).toBe("grubnet 1");
    expect(fs.readFileSync(path.join(out, "snponly.efi"), "utf8")).toBe("snponly 1");
    // pxelinux is not installed here: nothing in its place
    expect(fs.existsSync(path.join(out, "pxelinux.0"))).toBe(false);
    expect((await publish(operator, { outDir: out })).changes).toEqual([]);
    // apt upgraded shim: the next publish copies the new one
    put("usr/lib/shim/shimx64.efi.signed", "shim 2");
    expect((await publish(operator, { outDir: out })).changes.map((c) => `${c.change} ${c.path}`)).toEqual(["changed shimx64.efi"]);
    expect(fs.readFileSync(path.join(out, "shimx64.efi"), "utf8")).toBe("shim 2");
    // removed packages: their loaders leave the export too
    fs.rmSync(path.join(loaderRoot, "usr/lib/ipxe"), { recursive: true });
    expect((await publish(operator, { outDir: out })).changes.map((c) => `${c.change} ${c.path}`)).toEqual(["removed snponly.efi", "removed undionly.kpxe"]);
  });
});
