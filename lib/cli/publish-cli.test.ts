import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyPatch } from "diff";

// `afsboot publish --dry-run --diff` on a network big enough that its dhcpd.conf's diff passes
// the 64 KiB the console shows: the CLI prints the whole diff, and says where the dry run is kept.
const bin = path.resolve("bin/afsboot.mjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-publish-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
const images = path.join(dir, "images");
fs.mkdirSync(images);
fs.writeFileSync(path.join(images, "vmlinuz"), "not really a kernel");
fs.writeFileSync(path.join(images, "initrd.img"), "not really an initrd");
const HOSTS = 600;
const mac = (i: number) => `52:54:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
const FLEET = `networks:
  - { name: lab, subnet: 10.0.0.0/16, gateway: 10.0.0.1, dns: [10.0.0.1], bootServer: 10.0.0.1, reportUrl: "http://10.0.0.1:3000" }
cells:
  - { name: example.org, client: kafs, servers: [{ name: afsdb1.example.org, ip: 10.0.0.5 }], bootRoot: /afs/example.org/boot }
releases:
  - name: deb-12
    tree: /afs/example.org/boot/debian/12
    imagesDir: ${images}
    versions:
      - { version: "1", kernel: vmlinuz, baseInitrd: initrd.img, modules: [virtio_net], readonly: [usr], writable: [etc], tmpfsSize: 256M }
hosts:
${Array.from({ length: HOSTS }, (_, i) => `  - { name: node${i + 1}, mac: "${mac(i + 1)}", ip: 10.0.${(i + 11) >> 8}.${(i + 11) & 255}, cell: example.org, release: deb-12 }`).join("\n")}
`;

describe("afsboot publish --dry-run --diff", { timeout: 240_000 }, () => {
  it("prints each text file's whole diff, however long, and notes the kept dry run", () => {
    fs.writeFileSync(path.join(dir, "fleet.yaml"), FLEET);
    const applied = run(["apply", path.join(dir, "fleet.yaml")]);
    expect(applied.status, applied.stderr).toBe(0);
    const out = path.join(dir, "export");
    const r = run(["publish", "--dry-run", "--diff", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
    expect(r.stderr).toMatch(/afsboot: note: the dry run is kept as (p[0-9a-f]+) for a day: \/publications\/\1 in the console/);
    // the dhcpd.conf diff, as printed: from its header to the next file's line (files in path order)
    const start = r.stdout.indexOf("--- /dev/null\n+++ b/dhcp/dhcpd-lab.conf\n");
    const end = r.stdout.indexOf("\n+ dhcp/dnsmasq-lab.conf\n", start);
    expect([start > 0, end > start]).toEqual([true, true]);
    const diff = r.stdout.slice(start, end + 1);
    expect(Buffer.byteLength(diff)).toBeGreaterThan(64 * 1024);
    expect(diff).not.toContain("diff cut");
    const conf = applyPatch("", diff);
    expect(conf).not.toBe(false);
    for (const i of [1, HOSTS]) expect(conf).toContain(`hardware ethernet ${mac(i)};`);
  });
});
