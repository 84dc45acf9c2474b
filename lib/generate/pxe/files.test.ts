import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import { LAYOUT, httpBase, type FleetSnapshot } from "../snapshot";
import { PxeGenerateError, generateIpxeBoot, pxeFiles } from "./index";

// Overlays as the publish layer would pass them after building: one per (release version, cell)
// that some host uses. node001, node002 and r-02 share deb-12@3/example.org.
const OVERLAYS: ReadonlyMap<string, string> = new Map([
  ["deb-12@3/example.org", "3f9a0c2e7b5d41a6c8e0f2d4b6a8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2c4"],
  ["rh-7.3@1/grand.central.org", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"],
]);
const GOLDEN = path.join(import.meta.dirname, "__golden__");
const clone = (s: FleetSnapshot): FleetSnapshot => JSON.parse(JSON.stringify(s)) as FleetSnapshot;

function walk(dir: string, prefix = ""): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

describe("pxeFiles", () => {
  const files = pxeFiles(FIXTURE, OVERLAYS);

  it("matches the golden files (UPDATE_GOLDEN=1 rewrites them)", () => {
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.rmSync(GOLDEN, { recursive: true, force: true });
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(GOLDEN, f.path)), { recursive: true });
        fs.writeFileSync(path.join(GOLDEN, f.path), f.content);
      }
    }
    expect(walk(GOLDEN).sort()).toEqual(files.map((f) => f.path));
    for (const f of files) expect(f.content, f.path).toBe(fs.readFileSync(path.join(GOLDEN, f.path), "utf8"));
  });

  it("is deterministic: same bytes for an equal snapshot, whatever the host order", () => {
    expect(pxeFiles(clone(FIXTURE), new Map(OVERLAYS))).toEqual(files);
    expect(pxeFiles({ ...FIXTURE, hosts: [...FIXTURE.hosts].reverse() }, new Map([...OVERLAYS].reverse()))).toEqual(files);
    expect(files.map((f) => f.path)).toEqual([...files.map((f) => f.path)].sort());
  });

  it("gives every host both configs with its token, root spec, overlay and boot files", () => {
    const byPath = new Map(files.map((f) => [f.path, f.content]));
    for (const h of FIXTURE.hosts) {
      const v = FIXTURE.versions.find((x) => x.release === h.release && x.version === h.version)!;
      const net = FIXTURE.networks.find((n) => n.name === h.network)!;
      const sha = OVERLAYS.get(`${h.release}@${h.version}/${h.cell}`)!;
      const overlay = LAYOUT.overlay(v.release, v.version, h.cell, sha);
      const pxelinux = byPath.get(LAYOUT.pxelinux(h.mac))!;
      const ipxe = byPath.get(LAYOUT.ipxe(h.mac))!;
      for (const text of [pxelinux, ipxe]) {
        expect(text).toContain(` afsboot.token=${h.reportToken} `);
        expect(text).toContain(` afsboot.root=afs:${h.cell}:${v.tree} `);
        expect(text).toContain(` afsboot.report=${net.reportUrl} `);
        expect(text).toContain(` afsboot.host=${h.name} `);
        expect(text).toContain(` afsboot.overlay=${sha} `);
      }
      expect(pxelinux).toContain(`\n  LINUX ${LAYOUT.image(v.kernel)}\n  INITRD ${LAYOUT.image(v.baseInitrd)},${overlay}\n  APPEND `);
      expect(ipxe).toContain(`\nkernel ${httpBase(net)}${LAYOUT.image(v.kernel)} initrd=afsboot-base initrd=afsboot-overlay console=tty0 `);
      expect(ipxe).toContain(
        `\ninitrd --name afsboot-base ${httpBase(net)}${LAYOUT.image(v.baseInitrd)} || goto failed\ninitrd --name afsboot-overlay ${httpBase(net)}${overlay} || goto failed\n`,
      );
      // tokens are per host: no other host's token leaks into this host's files
      for (const o of FIXTURE.hosts.filter((x) => x !== h)) expect(pxelinux + ipxe).not.toContain(o.reportToken);
    }
  });

  it("boot.ipxe chains the per-host path LAYOUT names, as iPXE spells the MAC", () => {
    const boot = generateIpxeBoot(FIXTURE);
    const h = FIXTURE.hosts[0]!;
    const hexhyp = h.mac.replace(/:/g, "-"); // iPXE's ${mac:hexhyp}: lower-case, hyphens
    expect(boot.replaceAll("${netX/mac:hexhyp}", hexhyp)).toContain(`chain ${LAYOUT.ipxe(h.mac)} ||`);
    expect(boot).toContain(`chain ${LAYOUT.ipxeDefault} ||`);
  });

  it("defaults boot unknown machines only far enough to report: no root, no token", () => {
    for (const path of [LAYOUT.pxelinuxDefault, LAYOUT.ipxeDefault]) {
      const text = files.find((f) => f.path === path)!.content;
      expect(text).toContain(" afsboot.discover=1 afsboot.report=http://10.0.0.1:3000 ");
      expect(text).not.toMatch(/afsboot\.(root|token|host)=/);
      for (const h of FIXTURE.hosts) expect(text).not.toContain(h.reportToken);
    }
    // nothing to boot: hand the machine back to the firmware
    const none = pxeFiles({ ...FIXTURE, versions: [], hosts: [] }, new Map());
    expect(none.find((f) => f.path === LAYOUT.pxelinuxDefault)!.content).toContain("\nLABEL local\n  LOCALBOOT 0\n");
    expect(none.find((f) => f.path === LAYOUT.ipxeDefault)!.content).toMatch(/\nexit 1\n$/);
    expect(none.map((f) => f.path)).toEqual([LAYOUT.ipxeBoot, LAYOUT.grubCfg, LAYOUT.ipxeDefault, LAYOUT.pxelinuxDefault]);
  });

  it("fails loudly on a missing overlay, a shared MAC or a file name a config cannot carry", () => {
    expect(() => pxeFiles(FIXTURE, new Map([...OVERLAYS].slice(0, 1)))).toThrow(/host r-01: no overlay initrd was built for rh-7\.3@1\/grand\.central\.org/);
    const twin = { ...FIXTURE.hosts[1]!, name: "twin", mac: FIXTURE.hosts[0]!.mac };
    expect(() => pxeFiles({ ...FIXTURE, hosts: [...FIXTURE.hosts, twin] }, OVERLAYS)).toThrow(/node001, twin share a MAC/);
    expect(() => pxeFiles({ ...FIXTURE, hosts: [{ ...FIXTURE.hosts[0]!, mac: "52:54:00:12:34:5G" }] }, OVERLAYS)).toThrow(PxeGenerateError);
    for (const name of ["vmlinuz,evil", "vmlinuz 6.1", "vm%20linuz", "host::vmlinuz", "../vmlinuz"]) {
      const versions = FIXTURE.versions.map((v, i) => (i === 0 ? { ...v, kernel: { ...v.kernel, name } } : v));
      expect(() => pxeFiles({ ...FIXTURE, versions }, OVERLAYS), name).toThrow(PxeGenerateError);
    }
  });
});

// No offline iPXE/pxelinux syntax checker exists: check the files use only the commands and
// directives we rely on, that every goto has its label and every command line parses.
describe("config syntax", () => {
  const files = pxeFiles(FIXTURE, OVERLAYS);
  const IPXE = new Set(["chain", "kernel", "initrd", "boot", "imgfree", "echo", "iseq", "set", "goto", "sleep", "reboot", "exit"]);
  const PXELINUX = new Set(["DEFAULT", "PROMPT", "TIMEOUT", "SAY", "LABEL", "LINUX", "INITRD", "APPEND", "LOCALBOOT"]);

  it("iPXE scripts", () => {
    for (const f of files.filter((x) => x.path.endsWith(".ipxe"))) {
      const lines = f.content.split("\n");
      expect(lines[0], f.path).toBe("#!ipxe");
      expect(f.content.endsWith("\n") && !f.content.includes("\r")).toBe(true);
      const labels = new Set(lines.filter((l) => l.startsWith(":")).map((l) => l.slice(1)));
      for (const line of lines.slice(1).filter((l) => l && !l.startsWith("#") && !l.startsWith(":"))) {
        // iPXE splits a line into commands at "||", "&&" and ";" tokens; a token starting with "#" ends it
        for (const cmd of line.split(/ (?:\|\||&&|;)(?: |$)/).filter(Boolean)) {
          const words = cmd.split(" ");
          expect(IPXE.has(words[0]!), `${f.path}: ${line}`).toBe(true);
          expect(words.some((w) => w.startsWith("#") || w === "")).toBe(false);
          if (words[0] === "goto") expect(labels.has(words[1]!), `${f.path}: ${line}`).toBe(true);
        }
        expect(line.replaceAll("${netX/mac:hexhyp}", "").replaceAll("${netX/mac}", "").replaceAll("${afsboot-host}", "")).not.toMatch(/[$"'\\]/);
      }
    }
  });

  it("pxelinux configs", () => {
    for (const f of files.filter((x) => x.path.startsWith("pxelinux.cfg/"))) {
      for (const line of f.content.split("\n").filter((l) => l && !l.startsWith("#"))) {
        expect(PXELINUX.has(line.trim().split(" ")[0]!), `${f.path}: ${line}`).toBe(true);
      }
      const labels = f.content.match(/^LABEL (\S+)$/gm)!.map((l) => l.slice(6));
      expect(labels).toEqual([f.content.match(/^DEFAULT (\S+)$/m)![1]]);
    }
  });
});
