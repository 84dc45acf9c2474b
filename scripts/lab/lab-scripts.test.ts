import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// The lab's shell scripts: they parse and pass shellcheck; the release tree builder makes the tree
// the lab boots (merged /usr, an init, the release-side files, the writable dirs as tarballs).
const dir = path.resolve("scripts/lab");
const scripts = fs.readdirSync(dir).filter((f) => f.endsWith(".sh"));

describe("scripts/lab", () => {
  it.each(scripts)("%s passes bash -n and shellcheck", (name) => {
    execFileSync("bash", ["-n", path.join(dir, name)]);
    execFileSync("shellcheck", ["-x", path.join(dir, name)]); // -x: follow the sourced cache-lib.sh
  });

  it("release-tree.sh builds a bootable merged-/usr tree with an init and afsboot-report", { timeout: 60_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-lab-tree-test-"));
    try {
      const out = path.join(tmp, "tree");
      const r = spawnSync("bash", [path.join(dir, "release-tree.sh"), out], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      for (const l of ["bin", "sbin", "lib"]) expect(fs.readlinkSync(path.join(out, l))).toBe(`usr/${l}`);
      const init = path.join(out, "usr/sbin/init");
      expect(fs.statSync(init).mode & 0o111).toBeTruthy();
      expect(fs.readFileSync(init, "utf8")).toContain("afsboot-report up");
      execFileSync("busybox", ["sh", "-n", init]);
      expect(fs.readFileSync(path.join(out, "usr/sbin/afsboot-report"), "utf8")).toMatch(/^#!\/bin\/sh\n# afsboot-report STAGE/);
      expect(fs.readlinkSync(path.join(out, "usr/bin/sh"))).toBe("../bin/busybox");
      const etc = execFileSync("tar", ["-tzf", path.join(out, "tars/etc.tar.gz")], { encoding: "utf8" });
      expect(etc).toContain("./lab-release");
      expect(etc).toContain("./systemd/system/afsboot-report.service");
      expect(fs.existsSync(path.join(out, "tars/var.tar.gz"))).toBe(true);
      // a second run into the same (now full) directory is refused
      expect(spawnSync("bash", [path.join(dir, "release-tree.sh"), out], { encoding: "utf8" }).stderr).toContain("is not empty");
      // the broken-tree case's tree: /sbin/init is an absolute link to a file that cannot run
      const broken = path.join(tmp, "broken");
      const b = spawnSync("bash", [path.join(dir, "release-tree.sh"), broken, "--broken"], { encoding: "utf8" });
      expect(b.status, b.stderr).toBe(0);
      expect(fs.readlinkSync(path.join(broken, "usr/sbin/init"))).toBe("/usr/lib/init");
      expect(fs.statSync(path.join(broken, "usr/lib/init")).mode & 0o777).toBe(0o644);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
