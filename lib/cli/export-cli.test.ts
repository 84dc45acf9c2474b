import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

// `afsboot export dhcpd|kea|dnsmasq|pxelinux|ipxe|grub|initrd` and `afsboot host token`, end to end on
// this test file's database: what admins who run their own boot servers get.
const bin = path.resolve("bin/afsboot.mjs");
const run = (args: string[], input = "") =>
  spawnSync(process.execPath, [bin, ...args], { input, encoding: "buffer", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
const out = (r: ReturnType<typeof run>) => r.stdout.toString("utf8");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-export-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const images = path.join(dir, "images");
fs.mkdirSync(images);
fs.writeFileSync(path.join(images, "vmlinuz-6.1"), "not really a kernel");
fs.writeFileSync(path.join(images, "initrd-6.1.img"), "not really an initrd");
const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

const FLEET = `networks:
  - { name: lab, subnet: 10.0.0.0/24, gateway: 10.0.0.1, dns: [10.0.0.1], bootServer: 10.0.0.1, reportUrl: "http://10.0.0.1:3000" }
cells:
  - { name: example.org, client: kafs, servers: [{ name: afsdb1.example.org, ip: 10.0.0.5 }], bootRoot: /afs/example.org/boot }
releases:
  - name: deb-12
    tree: /afs/example.org/boot/debian/12
    imagesDir: ${images}
    versions:
      - { version: "1", kernel: vmlinuz-6.1, baseInitrd: initrd-6.1.img, modules: [virtio_net], readonly: [usr], writable: [etc], tmpfsSize: 256M }
hosts:
  - { name: node001, mac: "52:54:00:12:34:56", ip: 10.0.0.11, cell: example.org, release: deb-12 }
  - { name: node002, mac: "52:54:00:12:34:57", ip: 10.0.0.12, cell: example.org, release: deb-12@1 }
`;

describe("afsboot export (single boot files)", { timeout: 240_000 }, () => {
  it("prints DHCP configs the real daemons accept", () => {
    fs.writeFileSync(path.join(dir, "fleet.yaml"), FLEET);
    expect(run(["apply", path.join(dir, "fleet.yaml")]).status).toBe(0);
    const dhcpd = run(["export", "dhcpd"]);
    expect(dhcpd.status).toBe(0);
    fs.writeFileSync(path.join(dir, "dhcpd.conf"), dhcpd.stdout);
    const t = spawnSync("/usr/sbin/dhcpd", ["-t", "-4", "-cf", path.join(dir, "dhcpd.conf"), "-lf", path.join(dir, "leases"), "-pf", path.join(dir, "pid")], {
      encoding: "utf8",
    });
    expect(t.status, t.stderr).toBe(0);
    const kea = run(["export", "kea", "--network", "lab"]);
    fs.writeFileSync(path.join(dir, "kea.json"), kea.stdout);
    const k = spawnSync("/usr/sbin/kea-dhcp4", ["-t", path.join(dir, "kea.json")], { encoding: "utf8" });
    expect(k.status, k.stdout + k.stderr).toBe(0);
    expect(out(run(["export", "dnsmasq"]))).toMatch(/dhcp-hostsfile=.*dnsmasq-lab\.hosts[\s\S]*# ---- hosts file[\s\S]*52:54:00:12:34:56/);
    expect(run(["export", "kea", "--network", "nope"]).stderr.toString()).toMatch(/no network named nope/);
  });

  it("prints a host's PXE configs with its report token and content-addressed images", () => {
    const token = out(run(["host", "token", "node001"])).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out(run(["host", "token", "--all"]))).toBe(`node001\t${token}\nnode002\t${out(run(["host", "token", "node002"])).trim()}\n`);
    const pxe = out(run(["export", "pxelinux", "node001"]));
    expect(pxe).toContain(`afsboot.token=${token}`);
    expect(pxe).toContain(`images/${sha("not really a kernel")}/vmlinuz-6.1`);
    expect(pxe).toContain("afsboot.root=afs:example.org:/afs/example.org/boot/debian/12");
    expect(out(run(["export", "ipxe", "node002"]))).toMatch(
      /^#!ipxe[\s\S]*initrd --name afsboot-overlay http:\/\/10\.0\.0\.1\/overlays\/deb-12-1-example\.org-/,
    );
    expect(run(["export", "pxelinux", "ghost"]).stderr.toString()).toMatch(/no host named ghost/);
    // a GRUB config only for a host with Secure Boot: the others are told why, exit 1, nothing printed
    const grub = run(["export", "grub", "node001"]);
    expect(grub.status).toBe(1);
    expect(out(grub)).toBe("");
    expect(grub.stderr.toString()).toBe(
      "afsboot: host node001 does not boot with Secure Boot: it has no GRUB config (its firmware boots iPXE: export ipxe or pxelinux)\n",
    );
    expect(run(["export", "grub", "ghost"]).stderr.toString()).toMatch(/no host named ghost/);
    expect(out(run(["export", "--help"]))).toMatch(/grub <host> +print the GRUB config of a host with UEFI\s+Secure Boot/);
    expect(run(["host", "token"]).status).not.toBe(0);
  });

  it("writes the overlay initrd: a gzip'd newc cpio with /init, the same bytes every time", () => {
    const a = run(["export", "initrd", "deb-12", "example.org"]);
    expect(a.status, a.stderr.toString()).toBe(0);
    const cpio = zlib.gunzipSync(a.stdout);
    expect(cpio.subarray(0, 6).toString()).toBe("070701");
    expect(cpio.includes(Buffer.from("TRAILER!!!"))).toBe(true);
    expect(cpio.includes(Buffer.from("\0init\0"))).toBe(true);
    const b = run(["export", "initrd", "deb-12@1", "example.org"]);
    expect(sha(b.stdout.toString("latin1"))).toBe(sha(a.stdout.toString("latin1")));
    expect(run(["export", "initrd", "deb-12@9", "example.org"]).stderr.toString()).toMatch(/no active version deb-12@9/);
  });

  it("writes the release-side files into a tree, and refuses to overwrite changed ones without --force", () => {
    const tree = fs.mkdtempSync(path.join(dir, "tree-"));
    const r = run(["export", "release-files", tree]);
    expect(r.status, r.stderr.toString()).toBe(0);
    const helper = path.join(tree, "usr/sbin/afsboot-report");
    expect(fs.statSync(helper).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(helper, "utf8")).toMatch(/^#!\/bin\/sh\n# afsboot-report STAGE/);
    expect(fs.existsSync(path.join(tree, "etc/systemd/system/afsboot-report.service"))).toBe(true);
    expect(run(["export", "release-files", tree]).status).toBe(0); // the same files again: fine
    fs.writeFileSync(helper, "#!/bin/sh\n# local change\n");
    const refused = run(["export", "release-files", tree]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.toString()).toContain("usr/sbin/afsboot-report");
    expect(fs.readFileSync(helper, "utf8")).toContain("local change");
    expect(run(["export", "release-files", tree, "--force"]).status).toBe(0);
    expect(fs.readFileSync(helper, "utf8")).not.toContain("local change");
    expect(run(["export", "release-files", path.join(dir, "missing")]).stderr.toString()).toMatch(/is not a directory/);
  });

  it("names the missing file when an image cannot be read", () => {
    fs.rmSync(path.join(images, "vmlinuz-6.1"));
    const r = run(["export", "pxelinux", "node001"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.toString()).toContain(`cannot read ${path.join(images, "vmlinuz-6.1")}`);
  });

  it("prints each boot server's own DHCP file for a network with several, and asks which when not told", () => {
    const two = FLEET.replace(
      "bootServer: 10.0.0.1,",
      "bootServers: [{ name: boot1, address: 10.0.0.2, deliverTo: /srv/afsboot }, { name: boot2, address: 10.0.0.3, deliverTo: /srv/afsboot }],",
    );
    fs.writeFileSync(path.join(dir, "fleet-two.yaml"), two);
    const applied = run(["apply", path.join(dir, "fleet-two.yaml")]);
    expect(applied.status, applied.stderr.toString()).toBe(0);
    const kea = run(["export", "kea", "--server", "boot2"]);
    expect(kea.status, kea.stderr.toString()).toBe(0);
    const ha = JSON.parse(out(kea)).Dhcp4["hooks-libraries"].find((l: { library: string }) => l.library.endsWith("libdhcp_ha.so")).parameters[
      "high-availability"
    ][0];
    expect(ha).toMatchObject({ "this-server-name": "boot2", mode: "hot-standby" });
    expect(out(run(["export", "dhcpd", "--network", "lab", "--server", "boot1"]))).toContain("next-server 10.0.0.2;");
    expect(out(run(["export", "dnsmasq", "--server", "boot2"]))).toContain("dhcp-hostsfile=/srv/afsboot/current/dhcp/dnsmasq-lab.hosts");
    const ask = run(["export", "kea", "--network", "lab"]);
    expect(ask.status).not.toBe(0);
    expect(ask.stderr.toString()).toMatch(/several boot servers: choose one with --server \(boot1, boot2\)/);
    expect(run(["export", "kea", "--server", "boot9"]).stderr.toString()).toMatch(/no boot server boot9/);
    fs.writeFileSync(path.join(dir, "fleet.yaml"), FLEET);
    expect(run(["apply", path.join(dir, "fleet.yaml")]).status).toBe(0);
  });
});
