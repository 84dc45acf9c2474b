// scripts/lab/apt-resolve.mjs on recorded apt-cache outputs: which kernel, headers, kbuild and
// OpenAFS packages the lab downloads. fixtures/apt-2026-12-04 is `apt-cache show` and
// `apt-cache policy` as Debian's archive stood on that day: the candidate linux-image-amd64
// depends on ABI 6.1.0-57 (6.1.192-3); ABI 6.1.0-56's headers (6.1.192-2) depend on
// "linux-kbuild-6.1 (>= 6.1.192-2)" while only 6.1.192-3 (and 6.1.176-1) are offered: the case
// that broke the lab when it assumed the kbuild package's version equals the headers'.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

type Stanza = Record<string, string>;
type Policy = { installed: string | null; candidate: string | null };
interface Deb {
  pkg: string;
  version: string;
  arch: string;
  sha256: string;
}
interface Resolved {
  kver: string;
  debs: Record<string, Deb>;
}
interface AptResolveModule {
  compareVersions(a: string, b: string): number;
  parseStanzas(text: string): Stanza[];
  parsePolicy(text: string): Map<string, Policy>;
  parseDepends(field: string): { name: string; op: string | null; version: string | null }[][];
  satisfies(version: string, rel: { name: string; op: string | null; version: string | null }): boolean;
  resolveLab(apt: { show: (pkg: string) => Stanza[]; policy: (pkg: string) => Policy | undefined; kver?: string; openafs?: boolean }): Resolved;
  formatResult(r: { kver?: string; debs: Record<string, Deb> }): string;
  resolveFirmware(apt: { show: (pkg: string) => Stanza[]; policy: (pkg: string) => Policy | undefined }): { debs: Record<string, Deb> };
  ResolveError: new (message: string) => Error;
}
const SCRIPT = path.join(import.meta.dirname, "apt-resolve.mjs");
// imported by URL: the module is plain JS without type declarations
const apt = (await import(pathToFileURL(SCRIPT).href)) as AptResolveModule;

const FIX = path.join(import.meta.dirname, "fixtures/apt-2026-12-04");
const SHOW = fs.readFileSync(path.join(FIX, "show.txt"), "utf8");
const POLICY = fs.readFileSync(path.join(FIX, "policy.txt"), "utf8");

/** An apt whose archive is the recorded one, edited by `edit` (stanzas dropped or changed). */
function archive(edit: (stanzas: Stanza[]) => Stanza[] = (s) => s, policyText = POLICY) {
  const stanzas = edit(apt.parseStanzas(SHOW));
  const policies = apt.parsePolicy(policyText);
  const asked: string[] = [];
  return {
    asked,
    show: (pkg: string) => {
      asked.push(pkg);
      return stanzas.filter((s) => s.Package === pkg);
    },
    policy: (pkg: string) => {
      asked.push(pkg);
      return policies.get(pkg);
    },
  };
}
const versions = (r: Resolved) => Object.fromEntries(Object.entries(r.debs).map(([role, d]) => [role, `${d.pkg} ${d.version}`]));
const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(apt.ResolveError);
    return (e as Error).message;
  }
  throw new Error("expected a ResolveError");
};

describe("compareVersions (dpkg's rules)", () => {
  const ordered = [
    "1.0~rc1",
    "1.0",
    "1.0-1",
    "1.0-1+deb12u1",
    "1.0-2",
    "1.0a",
    "1.0+b1",
    "1.00.1",
    "1.1",
    "6.1.176-1",
    "6.1.192-2",
    "6.1.192-3",
    "6.1.192-10",
    "1:0.1",
  ];
  it("orders versions as dpkg does: ~ first, then the end, letters, other characters; numbers by value; epochs", () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(apt.compareVersions(ordered[i]!, ordered[j]!)), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
      }
    }
    expect(apt.compareVersions("1.08", "1.8")).toBe(0);
    expect(apt.compareVersions("0:1.2-3", "1.2-3")).toBe(0);
  });

  // one shell runs dpkg for every pair (a spawn per pair from Node costs seconds on a busy machine)
  it("agrees with dpkg --compare-versions", { timeout: 120_000 }, () => {
    const more = [...ordered, "2.0-0", "2.0", "1.0~~", "1.0~~a", "1.0~", "1:1.0~b", "6.1.192+2", "1.8.9-1+deb12u1", "1.8.10-1"];
    const pairs = more.flatMap((a) => more.filter((b) => b !== a).map((b) => [a, b] as const));
    const script = 'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo 1; else echo 0; fi; done';
    const r = spawnSync("bash", ["-c", script], { input: pairs.map((p) => p.join(" ")).join("\n") + "\n", encoding: "utf8" });
    if (r.error || spawnSync("dpkg", ["--version"]).error) return; // no dpkg here: the ordered list above still holds
    const lt = r.stdout.trim().split("\n");
    expect(lt).toHaveLength(pairs.length);
    pairs.forEach(([a, b], i) => expect(apt.compareVersions(a, b) < 0, `${a} < ${b}`).toBe(lt[i] === "1"));
  });
});

describe("apt-cache output", () => {
  it("reads the stanzas of several packages and versions, and the policies", () => {
    const stanzas = apt.parseStanzas(SHOW);
    expect(stanzas.filter((s) => s.Package === "linux-kbuild-6.1").map((s) => s.Version)).toEqual(["6.1.192-3", "6.1.176-1"]);
    expect(stanzas.every((s) => s.Filename && /^[0-9a-f]{64}$/.test(s.SHA256 ?? ""))).toBe(true);
    const p = apt.parsePolicy(POLICY);
    expect(p.get("linux-image-amd64")).toEqual({ installed: null, candidate: "6.1.192-3" });
    expect(p.get("openafs-client")).toEqual({ installed: "1.8.9-1+deb12u1", candidate: "1.8.9-1+deb12u1" });
  });

  it("reads Depends with versions, alternatives and architecture qualifiers", () => {
    const d = apt.parseDepends(
      "linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, libc6:amd64",
    );
    expect(d).toEqual([
      [{ name: "linux-headers-6.1.0-56-common", op: "=", version: "6.1.192-2" }],
      [{ name: "linux-kbuild-6.1", op: ">=", version: "6.1.192-2" }],
      [
        { name: "initramfs-tools", op: ">=", version: "0.120+deb8u2" },
        { name: "linux-initramfs-tool", op: null, version: null },
      ],
      [{ name: "libc6", op: null, version: null }],
    ]);
    const rel = (op: string, version: string) => ({ name: "x", op, version });
    expect(apt.satisfies("6.1.192-3", rel(">=", "6.1.192-2"))).toBe(true);
    expect(apt.satisfies("6.1.176-1", rel(">=", "6.1.192-2"))).toBe(false);
    expect(apt.satisfies("6.1.192-3", rel("=", "6.1.192-2"))).toBe(false);
    expect(apt.satisfies("6.1.192-2", rel("<<", "6.1.192-3"))).toBe(true);
    expect(apt.satisfies("6.1.192-3", rel(">>", "6.1.192-3"))).toBe(false);
  });
});

describe("resolveLab on the archive of 2026-12-04", () => {
  it("by default takes the ABI linux-image-amd64's candidate depends on, and every package at a version apt offers", () => {
    const r = apt.resolveLab({ ...archive(), openafs: true });
    expect(r.kver).toBe("6.1.0-57-amd64");
    expect(versions(r)).toEqual({
      kernel: "linux-image-6.1.0-57-amd64 6.1.192-3",
      headers: "linux-headers-6.1.0-57-amd64 6.1.192-3",
      common: "linux-headers-6.1.0-57-common 6.1.192-3",
      kbuild: "linux-kbuild-6.1 6.1.192-3",
      openafs: "openafs-modules-dkms 1.8.9-1+deb12u1",
    });
    expect(r.debs.common!.arch).toBe("all");
    expect(apt.formatResult(r).split("\n")[0]).toBe("AFSBOOT_LAB_KVER=6.1.0-57-amd64");
    expect(apt.formatResult(r)).toContain(
      "AFSBOOT_LAB_DEB_kbuild=linux-kbuild-6.1 6.1.192-3 amd64 98a1baa42a21088e25bcc91c4d8e8134cf1e9d6e978b8c4584f6c7d05e6cc9d6\n",
    );
  });

  it("the headers at 6.1.192-2 and linux-kbuild only at 6.1.192-3: kbuild resolves to -3 (what the headers' >= accepts)", () => {
    const r = apt.resolveLab({ ...archive(), kver: "6.1.0-56-amd64", openafs: true });
    expect(versions(r)).toEqual({
      kernel: "linux-image-6.1.0-56-amd64 6.1.192-2",
      headers: "linux-headers-6.1.0-56-amd64 6.1.192-2",
      common: "linux-headers-6.1.0-56-common 6.1.192-2",
      kbuild: "linux-kbuild-6.1 6.1.192-3",
      openafs: "openafs-modules-dkms 1.8.9-1+deb12u1",
    });
  });

  it("a kbuild no version of which the headers accept: one message naming the package, the version wanted and what apt offers", () => {
    const a = archive((s) => s.filter((x) => !(x.Package === "linux-kbuild-6.1" && x.Version === "6.1.192-3")));
    expect(errorOf(() => apt.resolveLab({ ...a, kver: "6.1.0-56-amd64", openafs: true }))).toBe(
      "linux-kbuild-6.1 (>= 6.1.192-2), needed by linux-headers-6.1.0-56-amd64 6.1.192-2: apt offers 6.1.176-1",
    );
  });

  it("the -common headers at another version only (= fails): named with what apt offers", () => {
    const a = archive((s) => s.map((x) => (x.Package === "linux-headers-6.1.0-57-common" ? { ...x, Version: "6.1.192-4" } : x)));
    expect(errorOf(() => apt.resolveLab({ ...a, openafs: true }))).toBe(
      "linux-headers-6.1.0-57-common (= 6.1.192-3), needed by linux-headers-6.1.0-57-amd64 6.1.192-3: apt offers 6.1.192-4",
    );
  });

  it("the kernel image and its headers at versions that do not meet: the module cannot be built (the kernel alone still resolves)", () => {
    const a = archive((s) => s.map((x) => (x.Package === "linux-headers-6.1.0-57-amd64" ? { ...x, Version: "6.1.192-2" } : x)));
    expect(errorOf(() => apt.resolveLab({ ...a, openafs: true }))).toMatch(
      /^linux-headers-6\.1\.0-57-amd64: apt offers 6\.1\.192-2, but the kernel image linux-image-6\.1\.0-57-amd64 is at 6\.1\.192-3: no version has both/,
    );
    expect(versions(apt.resolveLab({ ...a }))).toEqual({ kernel: "linux-image-6.1.0-57-amd64 6.1.192-3" });
  });

  it("with two image versions of one ABI, takes the newest that also has headers", () => {
    const a = archive((s) => [...s, { ...s.find((x) => x.Package === "linux-image-6.1.0-57-amd64")!, Version: "6.1.192-4" }]);
    expect(apt.resolveLab({ ...a, openafs: true }).debs.kernel!.version).toBe("6.1.192-3");
    expect(apt.resolveLab({ ...a }).debs.kernel!.version).toBe("6.1.192-3"); // the same kernel, with or without the module
  });

  it("AFSBOOT_LAB_KVER that the archive no longer has: the message names the ABI that would work", () => {
    expect(errorOf(() => apt.resolveLab({ ...archive(), kver: "6.1.0-40-amd64", openafs: true }))).toBe(
      "linux-image-6.1.0-40-amd64 is not in the archive (AFSBOOT_LAB_KVER=6.1.0-40-amd64); the archive's current ABI is 6.1.0-57-amd64 (linux-image-amd64 6.1.192-3 depends on it): unset AFSBOOT_LAB_KVER or set it to 6.1.0-57-amd64",
    );
  });

  it.each(["6.1", "6.1.0-57", "6.1.0-57-amd64; rm -rf /", "../6.1.0-57-amd64", "6.1.0-57-AMD64", ""])(
    "AFSBOOT_LAB_KVER=%j is refused before apt is asked anything",
    (kver) => {
      const a = archive();
      expect(errorOf(() => apt.resolveLab({ ...a, kver, openafs: true }))).toBe(`AFSBOOT_LAB_KVER=${kver} is not a Debian kernel ABI like 6.1.0-57-amd64`);
      expect(a.asked).toEqual([]);
    },
  );

  it("only what apt can download counts: a version known from dpkg's status alone (no Filename) is not offered", () => {
    const a = archive((s) => s.map((x) => (x.Package === "linux-kbuild-6.1" && x.Version === "6.1.192-3" ? { ...x, Filename: "" } : x)));
    expect(errorOf(() => apt.resolveLab({ ...a, openafs: true }))).toBe(
      "linux-kbuild-6.1 (>= 6.1.192-3), needed by linux-headers-6.1.0-57-amd64 6.1.192-3: apt offers 6.1.176-1",
    );
  });

  it("openafs-modules-dkms must be the installed openafs-client's version", () => {
    const older = POLICY.replace(/Installed: 1\.8\.9-1\+deb12u1/, "Installed: 1.8.9-1");
    expect(errorOf(() => apt.resolveLab({ ...archive(undefined, older), openafs: true }))).toBe(
      "openafs-modules-dkms (= 1.8.9-1), the installed openafs-client's version (afsd and the module must match): apt offers 1.8.9-1+deb12u1; bring the client to the archive's version (apt-get install --only-upgrade openafs-client)",
    );
    const none = POLICY.replace(/Installed: 1\.8\.9-1\+deb12u1/, "Installed: (none)");
    expect(errorOf(() => apt.resolveLab({ ...archive(undefined, none), openafs: true }))).toMatch(/^openafs-client is not installed/);
    // the kernel alone needs no OpenAFS
    expect(apt.resolveLab({ ...archive(undefined, none) }).kver).toBe("6.1.0-57-amd64");
  });

  it("no package lists (apt-get update never ran): says so", () => {
    expect(errorOf(() => apt.resolveLab({ ...archive(() => [], ""), openafs: true }))).toBe(
      "apt offers no linux-image-amd64 (run apt-get update: are Debian's package lists there?)",
    );
  });
});

describe("the command", () => {
  it("refuses a bad mode and a malformed AFSBOOT_LAB_KVER with one line and a non-zero exit", () => {
    const run = (args: string[], kver?: string) =>
      spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, AFSBOOT_LAB_KVER: kver ?? "" } });
    expect(run(["bogus"]).status).toBe(64);
    const bad = run(["openafs"], "6.1");
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("apt-resolve: AFSBOOT_LAB_KVER=6.1 is not a Debian kernel ABI like 6.1.0-57-amd64\n");
  });
});

describe("resolveFirmware", () => {
  const stanza = (Package: string, Version: string, Filename = `pool/${Package}_${Version}.deb`): Stanza => ({
    Package,
    Version,
    Architecture: "all",
    Filename,
    SHA256: "ab".repeat(32),
  });
  const firmwareApt = (stanzas: Stanza[], candidates: Record<string, string | null>) => ({
    show: (pkg: string) => stanzas.filter((s) => s.Package === pkg),
    policy: (pkg: string) => (pkg in candidates ? { installed: null, candidate: candidates[pkg]! } : undefined),
  });
  const all = [
    stanza("ovmf", "2022.11-6+deb12u2"),
    stanza("ovmf", "2022.11-6+deb12u1"),
    stanza("ipxe", "1.0.0+git-20190125.36a4c85-5.1"),
    stanza("shim-signed", "1.51~1+deb12u1+16.1-2~deb12u1"),
    stanza("shim-signed", "1.44~1+deb12u1+15.8-1~deb12u1"),
    stanza("grub-efi-amd64-signed", "1+2.06+13+deb12u2"),
  ];

  it("takes apt's candidate of each package, else the newest version it can download", () => {
    const r = apt.resolveFirmware(firmwareApt(all, { ovmf: "2022.11-6+deb12u1", "shim-signed": null }));
    expect(Object.fromEntries(Object.entries(r.debs).map(([role, d]) => [role, `${d.pkg} ${d.version}`]))).toEqual({
      ovmf: "ovmf 2022.11-6+deb12u1",
      ipxe: "ipxe 1.0.0+git-20190125.36a4c85-5.1",
      shim: "shim-signed 1.51~1+deb12u1+16.1-2~deb12u1",
      grub: "grub-efi-amd64-signed 1+2.06+13+deb12u2",
    });
    expect(apt.formatResult(r).split("\n")[0]).toBe(`AFSBOOT_LAB_DEB_ovmf=ovmf 2022.11-6+deb12u1 all ${"ab".repeat(32)}`);
  });

  it("names a package apt does not offer (a status-only stanza does not count)", () => {
    const noShim = [...all.filter((s) => s.Package !== "shim-signed"), { ...stanza("shim-signed", "1.51"), Filename: "" }];
    expect(errorOf(() => apt.resolveFirmware(firmwareApt(noShim, {})))).toBe(
      "apt offers no shim-signed (run apt-get update: are Debian's package lists there?)",
    );
  });
});
