// The lab's preparation scripts when Debian's archive does not give what they need: they stop
// with one line naming the package, the version and what apt offers, and leave nothing in the
// cache that a later run would trust. apt-cache and apt-get are stand-ins on PATH that answer from
// the recorded archive of 2026-12-04 (fixtures/apt-2026-12-04) and log every call; nothing is
// downloaded.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const DIR = import.meta.dirname;
const FIX = path.join(DIR, "fixtures/apt-2026-12-04");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-lab-prepare-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

// apt-cache show|policy|madison PKG from the recorded output; $FAKE_APT/show.txt may be edited
const FAKE_APT_CACHE = `#!/usr/bin/env node
const fs = require("fs");
const [cmd, pkg] = process.argv.slice(2);
const dir = process.env.FAKE_APT;
fs.appendFileSync(dir + "/calls", "apt-cache " + process.argv.slice(2).join(" ") + "\\n");
const stanzas = fs.readFileSync(dir + "/show.txt", "utf8").split(/\\n\\n+/).filter((b) => b.startsWith("Package: " + pkg + "\\n"));
if (cmd === "show") { if (!stanzas.length) { console.error("E: No packages found"); process.exit(100); } process.stdout.write(stanzas.join("\\n\\n") + "\\n\\n"); }
else if (cmd === "madison") { for (const s of stanzas) console.log(" " + pkg + " | " + /\\nVersion: (.*)/.exec(s)[1] + " | fake"); }
else if (cmd === "policy") { const m = new RegExp("^" + pkg.replace(/[.+]/g, "\\\\$&") + ":\\\\n(  .*\\\\n)+", "m").exec(fs.readFileSync(dir + "/policy.txt", "utf8")); if (m) process.stdout.write(m[0]); }
else process.exit(1);
`;
// apt-get update (logged) | download PKG=VER: $FAKE_APT/download says how: "fail" or "garbage"
const FAKE_APT_GET = `#!/usr/bin/env bash
echo "apt-get $*" >>"$FAKE_APT/calls"
case " $* " in
  *" update "*) exit 0 ;;
  *" download "*)
    spec=\${!#}
    if [ "$(cat "$FAKE_APT/download")" = garbage ]; then echo not-a-deb >"\${spec%%=*}_\${spec#*=}_amd64.deb"; exit 0; fi
    echo "E: Failed to fetch \${spec}: 404 Not Found" >&2; exit 100 ;;
esac
exit 1
`;

function setup(name: string, opts: { download: "fail" | "garbage"; edit?: (show: string) => string }) {
  const d = path.join(tmp, name);
  const bin = path.join(d, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, "apt-cache"), FAKE_APT_CACHE, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "apt-get"), FAKE_APT_GET, { mode: 0o755 });
  const show = fs.readFileSync(path.join(FIX, "show.txt"), "utf8");
  fs.writeFileSync(path.join(d, "show.txt"), opts.edit ? opts.edit(show) : show);
  fs.copyFileSync(path.join(FIX, "policy.txt"), path.join(d, "policy.txt"));
  fs.writeFileSync(path.join(d, "download"), opts.download);
  fs.writeFileSync(path.join(d, "calls"), "");
  const cache = path.join(d, "cache");
  const run = (script: string, env: Record<string, string> = {}) => {
    const r = spawnSync("bash", [path.join(DIR, script)], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_APT: d,
        AFSBOOT_LAB_CACHE: cache,
        AFSBOOT_LAB_KVER: "",
        AFSBOOT_LAB_APT_UPDATED: "",
        ...env,
      },
    });
    return { ...r, calls: fs.readFileSync(path.join(d, "calls"), "utf8").trim().split("\n").filter(Boolean) };
  };
  // what a later run would find: only lock files, no entry, no .deb, no work dir
  const cacheFiles = () => (fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true, encoding: "utf8" }).sort() : []);
  return { run, cacheFiles };
}
const errorLines = (stderr: string) => stderr.split("\n").filter((l) => /error|apt-resolve:/.test(l));

// each case runs the scripts (node, bash, apt stand-ins): seconds, many more on a busy machine
describe("scripts/lab preparation against an archive that moved on", { timeout: 120_000 }, () => {
  it("a version apt's lists offer but the archive no longer has: apt-get update once, resolve again, then one line naming it; nothing cached", () => {
    const { run, cacheFiles } = setup("gone", { download: "fail" });
    const r = run("kernel.sh");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^kernel\.sh: error: apt-get download linux-image-6\.1\.0-57-amd64=6\.1\.192-3 failed although apt's package lists offer it \(apt offers: 6\.1\.192-3\)/,
    );
    const downloads = r.calls.filter((c) => c.includes(" download "));
    if (isRoot) {
      expect(r.calls.filter((c) => c.startsWith("apt-get update"))).toHaveLength(1);
      expect(downloads).toHaveLength(2); // before and after the update
    } else {
      expect(errors[0]).toContain("run apt-get update as root");
      expect(downloads).toHaveLength(1);
    }
    expect(cacheFiles()).toEqual(["debs", "kernel", "kernel/.lock"]);
  });

  it("a download whose SHA256 is not the archive's is refused and not kept", () => {
    const { run, cacheFiles } = setup("garbage", { download: "garbage" });
    const r = run("kernel.sh");
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      "kernel.sh: error: linux-image-6.1.0-57-amd64 6.1.192-3: the downloaded .deb's SHA256 is not the one apt's package lists name",
    ]);
    expect(cacheFiles()).toEqual(["debs", "kernel", "kernel/.lock"]);
  });

  it("a cached .deb that is not the archive's (truncated, replaced) is not trusted: it is downloaded again", () => {
    const { run } = setup("stale-deb", { download: "fail" });
    const debs = path.join(tmp, "stale-deb/cache/debs");
    fs.mkdirSync(debs, { recursive: true });
    fs.writeFileSync(path.join(debs, "linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb"), "truncated");
    const r = run("kernel.sh", { AFSBOOT_LAB_APT_UPDATED: "1" });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.includes(" download "))).toHaveLength(1);
  });

  it("the module's build dependencies are resolved before anything is downloaded: a missing kbuild stops it with one line", () => {
    // the archive without linux-kbuild-6.1 6.1.192-3: the 6.1.0-56 headers want >= 6.1.192-2
    const { run, cacheFiles } = setup("no-kbuild", {
      download: "fail",
      edit: (show) => show.replace(/Package: linux-kbuild-6\.1\nSource: linux\nVersion: 6\.1\.192-3\n[\s\S]*?\n\n/, ""),
    });
    const r = run("openafs-module.sh", { AFSBOOT_LAB_KVER: "6.1.0-56-amd64" });
    expect(r.status).toBe(1);
    expect(errorLines(r.stderr)).toEqual([
      "apt-resolve: linux-kbuild-6.1 (>= 6.1.192-2), needed by linux-headers-6.1.0-56-amd64 6.1.192-2: apt offers 6.1.176-1",
    ]);
    expect(r.calls.filter((c) => c.startsWith("apt-get"))).toEqual([]);
    expect(cacheFiles()).toEqual([]);
  });

  it("AFSBOOT_LAB_KVER malformed or gone: a clear message before any download", () => {
    const { run } = setup("kver", { download: "fail" });
    const bad = run("kernel.sh", { AFSBOOT_LAB_KVER: "6.1.0-57" });
    expect(bad.status).toBe(1);
    expect(errorLines(bad.stderr)).toEqual(["apt-resolve: AFSBOOT_LAB_KVER=6.1.0-57 is not a Debian kernel ABI like 6.1.0-57-amd64"]);
    const gone = run("openafs-module.sh", { AFSBOOT_LAB_KVER: "6.1.0-40-amd64" });
    expect(gone.status).toBe(1);
    expect(errorLines(gone.stderr)).toEqual([
      "apt-resolve: linux-image-6.1.0-40-amd64 is not in the archive (AFSBOOT_LAB_KVER=6.1.0-40-amd64); the archive's current ABI is 6.1.0-57-amd64 (linux-image-amd64 6.1.192-3 depends on it): unset AFSBOOT_LAB_KVER or set it to 6.1.0-57-amd64",
    ]);
    expect(gone.calls.filter((c) => c.startsWith("apt-get"))).toEqual([]);
  });
});
