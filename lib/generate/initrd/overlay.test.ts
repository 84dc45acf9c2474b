import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import type { SnapCell, SnapVersion } from "../snapshot";
import { generateInit } from "./init-script";
import { APPLETS, generateOverlay, generateUdhcpcScript, overlayConf, overlayFiles } from "./overlay";

const busybox = fs.readFileSync("/bin/busybox"); // the test supplies the bytes, not the generator
const [deb, rh] = FIXTURE.versions as [SnapVersion, SnapVersion];
const [exampleOrg, grand] = FIXTURE.cells as [SnapCell, SnapCell];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-overlay-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("generateOverlay", () => {
  const t0 = performance.now();
  const built = generateOverlay(deb, exampleOrg, { busybox });
  const ms = performance.now() - t0;
  const file = path.join(tmp, "overlay.cpio");
  fs.writeFileSync(file, zlib.gunzipSync(built.bytes));

  it("builds fast enough (printed, not asserted)", () => {
    const again = [1, 2, 3].map(() => {
      const t = performance.now();
      generateOverlay(deb, exampleOrg, { busybox });
      return performance.now() - t;
    });
    console.log(
      `overlay: ${built.bytes.length} bytes gzip'd (busybox ${busybox.length}); first build ${ms.toFixed(1)} ms, then ${again.map((t) => t.toFixed(1)).join(" / ")} ms (target < 50 ms)`,
    );
  });

  it("lists the expected entries (cpio -it)", () => {
    const names = execFileSync("cpio", ["-it", "--quiet", "-F", file], { encoding: "utf8" }).trim().split("\n");
    const expected = [
      "afsboot",
      "afsboot/bin",
      "afsboot/bin/busybox",
      ...APPLETS.map((a) => `afsboot/bin/${a}`),
      "afsboot/etc",
      "afsboot/etc/CellServDB",
      "afsboot/etc/ThisCell",
      "afsboot/etc/afsboot.conf",
      "afsboot/udhcpc.script",
      "init",
    ];
    expect(names).toEqual([...expected].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it("extracts /init, the hook and busybox byte-identical, with their modes (cpio -idm)", () => {
    const dir = path.join(tmp, "x");
    fs.mkdirSync(dir);
    execFileSync("cpio", ["-idm", "--quiet", "--no-absolute-filenames", "-F", file], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, "init"), "utf8")).toBe(generateInit());
    expect(fs.statSync(path.join(dir, "init")).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(dir, "afsboot/udhcpc.script"), "utf8")).toBe(generateUdhcpcScript());
    expect(fs.readFileSync(path.join(dir, "afsboot/bin/busybox")).equals(busybox)).toBe(true);
    expect(fs.readFileSync(path.join(dir, "afsboot/etc/afsboot.conf"), "utf8")).toBe(overlayConf(deb, exampleOrg));
    expect(fs.readFileSync(path.join(dir, "afsboot/etc/ThisCell"), "utf8")).toBe("example.org\n");
    expect(fs.readlinkSync(path.join(dir, "afsboot/bin/sh"))).toBe("busybox");
    // the applets really are busybox applets, and the shebang resolves inside the overlay
    expect(execFileSync(path.join(dir, "afsboot/bin/sh"), ["-c", "echo ok"], { encoding: "utf8" })).toBe("ok\n");
  });

  it("is the same bytes on every run and differs per cell and version", () => {
    expect(generateOverlay(deb, exampleOrg, { busybox }).sha256).toBe(built.sha256);
    expect(generateOverlay(structuredClone(deb), structuredClone(exampleOrg), { busybox }).bytes.equals(built.bytes)).toBe(true);
    expect(generateOverlay(rh, grand, { busybox }).sha256).not.toBe(built.sha256);
    expect(generateOverlay({ ...deb, tmpfsSize: "1G" }, exampleOrg, { busybox }).sha256).not.toBe(built.sha256);
  });
});

describe("overlayFiles", () => {
  it("links only applets this busybox has", () => {
    const have = new Set(execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n"));
    expect(APPLETS.filter((a) => !have.has(a))).toEqual([]);
  });

  it("links every busybox applet the scripts call", () => {
    const have = execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).trim().split("\n");
    const builtins = new Set(["[", "[[", "test", "true", "false", "kill", "busybox", "echo", "printf"]);
    const text = generateInit() + generateUdhcpcScript();
    // a command word: at a line start, after ; | & ( {, $(, "then", "do", "else", "!" or "||"/"&&"
    const used = have.filter(
      (a) =>
        !builtins.has(a) &&
        new RegExp(`(^|[;|&({]|\\$\\(|\\b(then|do|else)|!)\\s*${a.replace(/[[\]]/g, "\\$&")}(\\s|$)`, "m").test(text.replace(/^\s*#.*$/gm, "")),
    );
    expect(used.filter((a) => !(APPLETS as readonly string[]).includes(a))).toEqual([]);
  });

  it("sorts the directory lists so parents come first", () => {
    const conf = overlayConf({ ...rh, readonly: ["var/lib/rpm", "usr", "bin"], writable: ["var", "etc"] }, grand);
    expect(conf).toContain("AFSBOOT_READONLY='bin usr var/lib/rpm'");
    expect(conf).toContain("AFSBOOT_WRITABLE='etc var'");
  });

  it("refuses values /init could not use safely", () => {
    const bad: [Partial<SnapVersion>, RegExp][] = [
      [{ tree: "/afs/example.org/boot/x y" }, /tree/],
      [{ tree: "/afs/example.org/../etc" }, /tree/],
      [{ tree: "/afs/other.org/boot" }, /not under/],
      [{ modules: ["e1000;reboot"] }, /module/],
      [{ readonly: ["usr", "../etc"] }, /directory/],
      [{ readonly: [] }, /read-only/],
      [{ writable: ["usr/local"] }, /inside read-only usr/],
      [{ tmpfsSize: "1T" }, /tmpfs/],
      [{ release: "a'b" }, /release/],
    ];
    for (const [patch, re] of bad) expect(() => overlayFiles({ ...deb, ...patch }, exampleOrg, { busybox }), JSON.stringify(patch)).toThrow(re);
    expect(() => overlayFiles(deb, { ...exampleOrg, servers: [{ name: "db.example.org", ip: "10.0.0.256" }] }, { busybox })).toThrow(/server/);
    expect(() => overlayFiles(deb, exampleOrg, { busybox: Buffer.alloc(0) })).toThrow(/busybox/);
  });
});
