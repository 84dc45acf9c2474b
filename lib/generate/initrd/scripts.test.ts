import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURE } from "../fixtures";
import type { SnapCell, SnapVersion } from "../snapshot";
import crypto from "node:crypto";
import { activationProof, encryptBundle } from "@/lib/identity/bundle";
import { HOST_FILES, hostCommands } from "@/lib/tpm/host-commands";
import { kdcMissing, startKdc } from "@/lib/testing/kdc";
import { generateInit, initSections, shQuote } from "./init-script";
import { cellServDb, generateUdhcpcScript, overlayConf } from "./overlay";
import { releaseSideFiles } from "./release-side";

const [deb, rh] = FIXTURE.versions as [SnapVersion, SnapVersion];
const [exampleOrg, grand] = FIXTURE.cells as [SnapCell, SnapCell];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-scripts-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SHELLS: [string, ...string[]][] = [["/bin/busybox", "sh"], ["dash"], ["bash"]];
let seq = 0;
function tmpFile(content: string): string {
  const file = path.join(tmp, `f${seq++}`);
  fs.writeFileSync(file, content);
  return file;
}
function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}
const syntaxCheck = (file: string) => SHELLS.forEach(([sh, ...a]) => run(sh, [...a, "-n", file]));
/** Runs a script under busybox sh (what /init runs on) and returns its stdout. */
const busyboxSh = (script: string) => run("/bin/busybox", ["sh", tmpFile(script)]);

const GOLDEN = path.join(import.meta.dirname, "__golden__");
function golden(name: string, content: string) {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  expect(content, `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`).toBe(fs.readFileSync(file, "utf8"));
}

const SCRIPTS: [string, string][] = [
  ["init.sh", generateInit()],
  ["udhcpc.script", generateUdhcpcScript()],
  ["afsboot.conf.deb-12@3.example.org", overlayConf(deb, exampleOrg)],
  ["afsboot.conf.rh-7.3@1.grand.central.org", overlayConf(rh, grand)],
  ...releaseSideFiles()
    .filter((f) => f.content.startsWith("#!"))
    .map((f): [string, string] => [`release/${f.path}`, f.content]),
];

describe("generated files", () => {
  it("match their golden files", () => {
    for (const [name, content] of SCRIPTS) golden(name, content);
    golden("CellServDB.grand.central.org", cellServDb(grand));
    for (const f of releaseSideFiles()) golden(`release/${f.path}`, f.content);
  });

  it.each(SCRIPTS)("%s passes sh -n (busybox, dash, bash) and shellcheck -s sh", (_name, content) => {
    const file = tmpFile(content);
    syntaxCheck(file);
    run("shellcheck", ["-s", "sh", file]);
  });

  it("release-side files have the modes their kind needs", () => {
    for (const f of releaseSideFiles()) expect(f.mode, f.path).toBe(f.content.startsWith("#!") ? 0o755 : 0o644);
  });
});

describe("release side", () => {
  const helper = releaseSideFiles().find((f) => f.path === "usr/sbin/afsboot-report")!.content;
  // the helper with its two fixed config paths pointed into the test's directory
  const install = (conf: string | null) => {
    const dir = fs.mkdtempSync(path.join(tmp, "rs-"));
    if (conf !== null) fs.writeFileSync(path.join(dir, "afsboot.conf"), conf);
    const script = helper
      .replace("/run/afsboot/afsboot.conf", `${dir}/afsboot.conf`)
      .replace("/etc/afsboot.conf", `${dir}/none`)
      .replace("/run/systemd/system", `${dir}/systemd`)
      .replaceAll("/sys/firmware/efi", `${dir}/efi`);
    fs.writeFileSync(path.join(dir, "afsboot-report"), script);
    // a curl that records its arguments and fails, as when the console is down
    fs.writeFileSync(path.join(dir, "curl"), `#!/bin/sh\nprintf '%s\\n' "$@" >${shQuote(`${dir}/args`)}\nexit 7\n`, { mode: 0o755 });
    return dir;
  };
  const report = (dir: string, shell: string, ...args: string[]) =>
    execFileSync(shell, [path.join(dir, "afsboot-report"), ...args], { env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8" });

  it.each(["dash", "bash"])("afsboot-report posts the stage with what /init wrote and exits 0 (%s)", (shell) => {
    const dir = install(
      "# comment\nREPORT=http://10.0.0.1:3000\nTOKEN=tok-1\nBOOT_ID=b-1\nMAC=52:54:00:12:34:56\nIP=10.0.0.11\nHOST=node001\nOVERLAY=\nRELEASE_VERSION=deb-12@3\n",
    );
    report(dir, shell, "up", "multi-user & more");
    const args = fs.readFileSync(path.join(dir, "args"), "utf8").trimEnd().split("\n");
    expect(args.slice(0, 6)).toEqual(["-s", "-f", "-o", "/dev/null", "-m", "5"]);
    expect(args.at(-1)).toBe("http://10.0.0.1:3000/api/v1/boot-events");
    const form = Object.fromEntries(new URLSearchParams(args.at(-2)));
    expect(form).toMatchObject({
      mac: "52:54:00:12:34:56",
      bootId: "b-1",
      stage: "up",
      message: "multi-user & more; firmware BIOS",
      releaseVersion: "deb-12@3",
      ip: "10.0.0.11",
      token: "tok-1",
    });
    expect(form).not.toHaveProperty("initrdSha256");
  });

  it("afsboot-report tries each report URL in turn until one takes the report (console replicas)", () => {
    const dir = install("REPORT=http://10.0.0.1:3000,http://10.0.0.2:3000/\nBOOT_ID=b-1\nMAC=52:54:00:12:34:56\n");
    // a curl that logs each URL and fails for the first console only
    fs.writeFileSync(
      path.join(dir, "curl"),
      `#!/bin/sh\nfor a; do last=$a; done\necho "$last" >>${shQuote(`${dir}/urls`)}\ncase $last in *10.0.0.1*) exit 7 ;; esac\nexit 0\n`,
      { mode: 0o755 },
    );
    report(dir, "dash", "up", "multi-user");
    expect(fs.readFileSync(path.join(dir, "urls"), "utf8").trim().split("\n")).toEqual([
      "http://10.0.0.1:3000/api/v1/boot-events",
      "http://10.0.0.2:3000/api/v1/boot-events",
    ]);
    // the first takes it: the second is not asked
    fs.writeFileSync(path.join(dir, "afsboot.conf"), "REPORT=http://10.0.0.2:3000,http://10.0.0.1:3000\nBOOT_ID=b-1\nMAC=52:54:00:12:34:56\n");
    fs.rmSync(path.join(dir, "urls"));
    report(dir, "dash", "up", "multi-user");
    expect(fs.readFileSync(path.join(dir, "urls"), "utf8").trim()).toBe("http://10.0.0.2:3000/api/v1/boot-events");
  });

  it("afsboot-report adds systemd's own boot times to up, when systemd runs", () => {
    const conf = "REPORT=http://10.0.0.1:3000\nBOOT_ID=b-1\nMAC=52:54:00:12:34:56\n";
    const posted = (dir: string) => new URLSearchParams(fs.readFileSync(path.join(dir, "args"), "utf8").trimEnd().split("\n").at(-2)).get("message");
    const systemctl = (dir: string, userspace: string, multiUser: string) =>
      fs.writeFileSync(
        path.join(dir, "systemctl"),
        `#!/bin/sh\ncase "$*" in *multi-user.target*) echo ActiveEnterTimestampMonotonic=${multiUser} ;; *) echo UserspaceTimestampMonotonic=${userspace} ;; esac\n`,
        { mode: 0o755 },
      );
    const dir = install(conf);
    fs.mkdirSync(path.join(dir, "systemd"));
    systemctl(dir, "2345678", "14395678");
    report(dir, "dash", "up", "multi-user reached");
    expect(posted(dir)).toBe("multi-user reached; systemd: multi-user.target after 12.0 s, kernel and initrd 2.3 s before; firmware BIOS");
    report(dir, "dash", "shutdown", "going down"); // only up carries them
    expect(posted(dir)).toBe("going down");
    systemctl(dir, "", "garbage; reboot"); // values systemctl did not give are left out
    report(dir, "dash", "up", "multi-user reached");
    expect(posted(dir)).toBe("multi-user reached; firmware BIOS");
    const noSystemd = install(conf); // not booted by systemd: no figures, even with systemctl there
    systemctl(noSystemd, "2345678", "14395678");
    report(noSystemd, "dash", "up", "runlevel reached");
    expect(posted(noSystemd)).toBe("runlevel reached; firmware BIOS");
  });

  it("afsboot-report says in up how the machine booted: UEFI and whether Secure Boot is enabled", () => {
    const posted = (dir: string) => new URLSearchParams(fs.readFileSync(path.join(dir, "args"), "utf8").trimEnd().split("\n").at(-2)).get("message");
    const dir = install("REPORT=http://10.0.0.1:3000\nBOOT_ID=b-1\nMAC=52:54:00:12:34:56\n");
    const vars = path.join(dir, "efi/efivars");
    fs.mkdirSync(vars, { recursive: true });
    report(dir, "dash", "up", "");
    expect(posted(dir)).toBe("firmware UEFI");
    fs.writeFileSync(path.join(vars, "BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c"), Buffer.from([6, 0, 0, 0, 2, 0]));
    report(dir, "dash", "up", "");
    expect(posted(dir)).toBe("firmware UEFI, no Secure Boot");
    for (const [value, text] of [
      [1, "UEFI, Secure Boot enabled"],
      [0, "UEFI, Secure Boot disabled"],
    ] as const) {
      fs.writeFileSync(path.join(vars, "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"), Buffer.from([6, 0, 0, 0, value]));
      report(dir, "bash", "up", "runlevel reached");
      expect(posted(dir)).toBe(`runlevel reached; firmware ${text}`);
    }
    report(dir, "dash", "shutdown", "going down"); // only up
    expect(posted(dir)).toBe("going down");
  });

  it("afsboot-shutdown-ready has systemd load its shutdown units and reads what shutdown runs, only under systemd", () => {
    const ready = releaseSideFiles().find((f) => f.path === "usr/sbin/afsboot-shutdown-ready")!.content;
    const dir = fs.mkdtempSync(path.join(tmp, "sr-"));
    fs.writeFileSync(path.join(dir, "systemctl"), `#!/bin/sh\nprintf '%s\\n' "$@" >>${shQuote(`${dir}/calls`)}\nexit 1\n`, { mode: 0o755 });
    const run = (script: string) => execFileSync("dash", ["-c", script], { env: { ...process.env, PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8" });
    expect(run(ready.replace("/run/systemd/system", `${dir}/none`))).toBe(""); // not booted by systemd
    expect(fs.existsSync(path.join(dir, "calls"))).toBe(false);
    fs.mkdirSync(path.join(dir, "systemd"));
    expect(() => run(ready.replace("/run/systemd/system", `${dir}/systemd`))).not.toThrow(); // a failing systemctl is no failure
    const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
    expect(calls.slice(0, 3)).toEqual(["show", "-p", "Id"]);
    for (const u of ["poweroff.target", "reboot.target", "systemd-poweroff.service", "umount.target"]) expect(calls).toContain(u);
    const unit = releaseSideFiles().find((f) => f.path.endsWith("/afsboot-shutdown-ready.service"))!.content;
    expect(unit).toContain("ExecStart=/usr/sbin/afsboot-shutdown-ready\n");
    // wanted by multi-user.target and ordered after it (else an ordering cycle drops it), after up
    expect(unit).toContain("After=multi-user.target afsboot-report.service\n");
  });

  it("afsboot-report does nothing, successfully, without a boot or with bad usage", () => {
    const dir = install(null);
    expect(report(dir, "dash", "up")).toBe("");
    expect(fs.existsSync(path.join(dir, "args"))).toBe(false);
    expect(() => report(install("REPORT=http://x\nBOOT_ID=b\n"), "dash", "Up;reboot")).not.toThrow();
  });

  it.each(releaseSideFiles().filter((f) => f.path.endsWith(".service")))(
    "$path passes systemd-analyze verify (but for its program not installed here)",
    (f) => {
      const dir = fs.mkdtempSync(path.join(tmp, "unit-"));
      const named = path.join(dir, path.basename(f.path));
      fs.writeFileSync(named, f.content);
      let out = "";
      try {
        out = execFileSync("systemd-analyze", ["verify", named], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        out = `${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}`;
      }
      // only what it says about our unit: the units it references that this machine has installed
      // (Debian's openafs-client.service, say) are not ours to judge
      const installed = /^\/(usr\/)?lib\/systemd\/system\//;
      expect(out.split("\n").filter((l) => l && !/\/usr\/sbin\/afsboot-[a-z-]+ is not executable/.test(l) && !installed.test(l))).toEqual([]);
    },
  );
});

const h = initSections();
const CONF = overlayConf(deb, exampleOrg);

describe("/init under busybox sh", () => {
  it("accepts and refuses command-line values by class", () => {
    const cases: [string, string, boolean][] = [
      ["token", "tok-node001-AbC_d9", true],
      ["token", "a b", false],
      ["token", "$(reboot)", false],
      ["token", "x".repeat(129), false],
      ["host", "node001", true],
      ["host", "-x", false],
      ["host", "Node1", false],
      ["host", "a.b", false],
      ["sha256", "ab".repeat(32), true],
      ["sha256", "AB".repeat(32), false],
      ["sha256", "a".repeat(63), false],
      ["url", "http://10.0.0.1:3000", true],
      ["url", "https://afsboot.example.org/x", true],
      ["url", "ftp://x", false],
      ["url", "http://x/`id`", false],
      ["url", "http://x/$(id)", false],
      ["url", "http://user@x", false],
      ["mods", "e1000e,virtio_net", true],
      ["mods", ",e1000", false],
      ["mods", "e1000;reboot", false],
      ["blocks", "65536", true],
      ["blocks", "1023", false],
      ["blocks", "99999999", false],
      ["blocks", "12a", false],
      ["size", "512M", true],
      ["size", "50%", true],
      ["size", "1234", true],
      ["size", "M", false],
      ["size", "1T", false],
      ["size", "0", false],
      ["cell", "example.org", true],
      ["cell", "Example.org", false],
      ["cell", ".a", false],
      ["cell", "a..b", false],
      ["cell", "a/b", false],
      ["tree", "/afs/example.org/boot/RH/7.3", true],
      ["tree", "/afs/x/a:b,c=d+e@f%g", true],
      ["tree", "/afs/", false],
      ["tree", "/etc/x", false],
      ["tree", "/afs/a/../b", false],
      ["tree", "/afs/a//b", false],
      ["tree", "/afs/a b", false],
      ["tree", "/afs/a'b", false],
      ["tree", "/afs/a/", false],
      ["tree", "/afs/a/*", false],
      ["mac", "52:54:00:12:34:56", true],
      ["mac", "52:54:00:12:34:5g", false],
      ["ip", "10.0.0.11", true],
      ["ip", "10.0.0.1; reboot", false],
      ["machineid", "0123456789abcdef0123456789abcdef", true],
      ["machineid", "0123456789ABCDEF0123456789ABCDEF", false],
      ["machineid", "0".repeat(32), false],
      ["machineid", "0123456789abcdef0123456789abcde", false],
      ["machineid", "0123456789abcdef0123456789abcdeg", false],
      ["onfail", "reboot", true],
      ["onfail", "poweroff", false],
      ["urls", "http://10.0.0.1:3000", true],
      ["urls", "http://10.0.0.1:3000,http://10.0.0.2:3000/", true],
      ["urls", "http://10.0.0.1:3000,", false],
      ["urls", ",http://10.0.0.1:3000", false],
      ["urls", "http://a,,http://b", false],
      ["urls", "http://10.0.0.1:3000,ftp://x", false],
      ["urls", "http://10.0.0.1:3000,http://x;reboot", false],
      ["nosuchclass", "x", false],
    ];
    const script = h.helpers + cases.map(([c, v]) => `if valid ${c} ${shQuote(v)}; then echo 1; else echo 0; fi\n`).join("");
    expect(busyboxSh(script).trim().split("\n")).toEqual(cases.map(([, , ok]) => (ok ? "1" : "0")));
  });

  const parse = (cmdline: string) => {
    const script =
      CONF +
      h.helpers +
      h.params.replace("</proc/cmdline", `<${tmpFile(`${cmdline}\n`)}`) +
      `printf '=%s=%s\\n' ROOTSPEC "$ROOTSPEC" REPORT "$REPORT" TOKEN "$TOKEN" HOST "$HOST" OVERLAY "$OVERLAY" NIC "$NIC" BOOTMAC "$BOOTMAC" BLOCKS "$BLOCKS" TMPFS "$TMPFS" ONFAIL "$ONFAIL" DISCOVER "$DISCOVER" NOTES "$NOTES"\n`;
    const out = busyboxSh(script);
    return Object.fromEntries([...out.matchAll(/^=([A-Z]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  };

  it("reads the kernel command line", () => {
    const sha = "0123456789abcdef".repeat(4);
    const got = parse(
      `BOOT_IMAGE=/vmlinuz quiet afsboot.root=afs:example.org:/afs/example.org/boot/debian/12 afsboot.report=http://10.0.0.1:3000/ afsboot.token=tok-1_A afsboot.host=node001 afsboot.overlay=${sha} afsboot.nic=e1000e afsboot.cache=2048 afsboot.tmpfs=1G afsboot.onfail=halt afsboot.release=deb-12@3 BOOTIF=01-52-54-00-AB-CD-EF`,
    );
    expect(got).toEqual({
      ROOTSPEC: "afs:example.org:/afs/example.org/boot/debian/12",
      REPORT: "http://10.0.0.1:3000",
      TOKEN: "tok-1_A",
      HOST: "node001",
      OVERLAY: sha,
      NIC: "e1000e",
      BOOTMAC: "52:54:00:ab:cd:ef",
      BLOCKS: "2048",
      TMPFS: "1G",
      ONFAIL: "halt",
      DISCOVER: "0",
      NOTES: "",
    });
  });

  it("takes several report URLs and posts to each in turn until one takes the report", () => {
    expect(parse("afsboot.report=http://10.0.0.1:3000,http://10.0.0.2:3000/").REPORT).toBe("http://10.0.0.1:3000,http://10.0.0.2:3000");
    const log = tmpFile("");
    // wget fails for the first console (down), takes it on the second; timeout just runs it here
    const stubs = `timeout() { shift; "$@"; }\nwget() { for a; do last=$a; done; echo "$last" >>${shQuote(log)}; case $last in *10.0.0.1*) return 1 ;; esac; }\n`;
    const run = (urls: string) => {
      fs.writeFileSync(log, "");
      busyboxSh(`${h.helpers}${stubs}REPORT=${shQuote(urls)}\npost 'mac=x' && echo posted\n`);
      return fs.readFileSync(log, "utf8").trim().split("\n");
    };
    expect(run("http://10.0.0.1:3000,http://10.0.0.2:3000/")).toEqual(["http://10.0.0.1:3000/api/v1/boot-events", "http://10.0.0.2:3000/api/v1/boot-events"]);
    expect(run("http://10.0.0.2:3000,http://10.0.0.1:3000")).toEqual(["http://10.0.0.2:3000/api/v1/boot-events"]);
  });

  it("notes a release label that is not the overlay's, and takes discovery mode", () => {
    expect(parse("afsboot.release=deb-12@4").NOTES).toBe("; the console booted this host for deb-12@4; this overlay is deb-12@3");
    expect(parse("afsboot.release=$(reboot)").NOTES).toBe("; ignored invalid afsboot.release");
    expect(parse("afsboot.discover=1 afsboot.release=deb-12@3")).toMatchObject({ DISCOVER: "1", NOTES: "" });
    expect(parse("afsboot.discover=yes").NOTES).toBe("; unknown parameter afsboot.discover");
  });

  it("drops invalid values with a note and never evaluates them", () => {
    const marker = path.join(tmp, "pwned");
    const got = parse(
      `afsboot.token=$(touch${"${IFS}"}${marker}) afsboot.host=\`touch${"${IFS}"}${marker}\` afsboot.tmpfs=1T afsboot.report=http://x/;reboot afsboot.bogus=1 afsboot.onfail=*`,
    );
    expect(fs.existsSync(marker)).toBe(false);
    expect(got).toMatchObject({ TOKEN: "", HOST: "", TMPFS: "512M", REPORT: "", ONFAIL: "shell", BLOCKS: "65536" });
    expect(got.NOTES).toBe(
      "; ignored invalid afsboot.token; ignored invalid afsboot.host; ignored invalid afsboot.tmpfs; ignored invalid afsboot.report; unknown parameter afsboot.bogus; ignored invalid afsboot.onfail",
    );
  });

  const pick = (rootspec: string, dhcpRoot: string) => {
    const script =
      CONF +
      h.helpers +
      `lease() { [ "$1" != rootpath ] || printf %s ${shQuote(dhcpRoot)}; }\nfail() { echo "FAIL $1: $2"; exit 0; }\nROOTSPEC=${shQuote(rootspec)}\n` +
      h.rootSpec +
      `echo "$CELL|$TREE|$FROM|$NOTES"\n`;
    return busyboxSh(script).trim().split("\n").pop();
  };

  it("takes the tree from the command line, else DHCP, else the overlay, and refuses another cell", () => {
    const own = "/afs/example.org/boot/debian/12";
    expect(pick(`afs:example.org:${own}`, "afs:example.org:/afs/example.org/x")).toBe(`example.org|${own}|command line|`);
    expect(pick("", "afs:example.org:/afs/example.org/boot/debian/13")).toBe(
      `example.org|/afs/example.org/boot/debian/13|DHCP root-path|; tree /afs/example.org/boot/debian/13 (DHCP root-path) is not the overlay's ${own}`,
    );
    expect(pick("afs:example.org:/afs/example.org/x y", "10.0.0.1:/nfsroot")).toBe(
      `example.org|${own}|overlay|; ignored invalid command line root spec; ignored invalid DHCP root-path root spec`,
    );
    expect(pick("afs:other.org:/afs/other.org/boot", "")).toBe("FAIL afs: the root spec names cell other.org; this overlay is for example.org");
  });

  it("reports as form fields in the background, every message byte encoded", () => {
    const out = path.join(tmp, "posted");
    const msg = `héllo & x=y; 100% "q" 'q' $(reboot) \`id\`\nline2`;
    const script =
      h.helpers +
      `timeout() { shift; printf '%s\\n' "$@" >${shQuote(out)}; }
REPORT=http://10.0.0.1:3000 TOKEN=tok-1 MAC=52:54:00:12:34:56 IP=10.0.0.11 BOOT_ID=b-1 RELEASE_VERSION=deb-12@3 OVERLAY=${"a".repeat(64)}
note "a note"
report failed ${shQuote(msg)} afs
wait\n`;
    busyboxSh(script);
    const [wget, q, o, devnull, post, data, url] = fs.readFileSync(out, "utf8").trimEnd().split("\n");
    expect([wget, q, o, devnull, post, url]).toEqual(["wget", "-q", "-O", "/dev/null", "--post-data", "http://10.0.0.1:3000/api/v1/boot-events"]);
    const form = new URLSearchParams(data);
    expect(Object.fromEntries(form)).toMatchObject({
      mac: "52:54:00:12:34:56",
      bootId: "b-1",
      stage: "failed",
      failedStage: "afs",
      releaseVersion: "deb-12@3",
      ip: "10.0.0.11",
      token: "tok-1",
      initrdSha256: "a".repeat(64),
    });
    expect(form.get("message")).toMatch(new RegExp(`^${msg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(t=[0-9.]+s; a note\\)$`));
    expect(form.get("at")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  /** A new root with the tree's own /etc as given; runs the hostFiles section with these values. */
  const hostFiles = (
    etc: Record<string, string>,
    vars: string,
    lease = "",
    mounts = (r: string) => `afsboot ${r}/afs tmpfs rw 0 0\n`,
    mountinfo = (r: string) => `25 1 0:40 / ${r}/afs rw,relatime - tmpfs afsboot rw\n`,
  ) => {
    const r = fs.mkdtempSync(path.join(tmp, "newroot-"));
    fs.mkdirSync(path.join(r, "etc/systemd"), { recursive: true });
    for (const [f, c] of Object.entries(etc)) fs.writeFileSync(path.join(r, "etc", f), c);
    const leaseFile = tmpFile(lease);
    busyboxSh(
      CONF +
        h.helpers +
        `hostname() { :; }\nlease() { sed -n "s/^$1=//p" ${shQuote(leaseFile)} | head -n 1; }\nreport() { echo "REPORT $1: $2$NOTES"; }\n` +
        `R=${shQuote(r)} TREE=/afs/example.org/boot/debian/12 CELL=example.org AFSVOL=root.cell.readonly AFSMNT=/afs/example.org IF=eth0 MAC=52:54:00:12:34:56\n${vars}\n` +
        h.hostFiles.replace("/proc/mounts", tmpFile(mounts(r))).replace("/proc/self/mountinfo", tmpFile(mountinfo(r))),
    );
    const read = (f: string) =>
      fs.existsSync(path.join(r, f.startsWith("/") ? f.slice(1) : `etc/${f}`))
        ? fs.readFileSync(path.join(r, f.startsWith("/") ? f.slice(1) : `etc/${f}`), "utf8")
        : null;
    return { read, r };
  };

  it("writes the host's hostname, hosts line, machine-id, fstab and boot interface name into the new root", () => {
    const { read } = hostFiles(
      {
        hosts: "127.0.0.1 localhost\n",
        fstab: "# static\n/dev/sda1 / ext4 errors=remount-ro 0 1\n/dev/sda2 /usr ext4 ro 0 2\nnfs:/home /home nfs defaults 0 0\n",
      },
      "HOST=node001 MACHINEID=0123456789abcdef0123456789abcdef",
      "domain=example.org\n",
      // kAFS: /afs, root.cell at /afs/CELL, the tree's volume automounted (read-only volumes show with "#")
      (r) =>
        `proc /proc proc rw 0 0\nafsboot ${r} tmpfs rw 0 0\nafsboot ${r}/afs tmpfs rw 0 0\n%example.org:root.cell ${r}/afs/example.org afs rw 0 0\n` +
        `#example.org:rel.deb12. ${r}/afs/example.org/boot/debian/12 afs ro 0 0\nafsboot ${r}/afsx tmpfs rw 0 0\n/afs/x ${r}/usr afs ro 0 0\n`,
      (r) =>
        `22 1 0:21 / /proc rw - proc proc rw\n25 1 0:40 / ${r}/afs rw,relatime - tmpfs afsboot rw\n` +
        `31 25 0:41 / ${r}/afs/example.org rw shared:2 - afs %example.org:root.cell rw\n` +
        `40 1 0:42 /usr ${r}/usr ro,relatime shared:3 master:1 - afs #example.org:rel.deb12. ro\n41 1 0:43 / ${r}/srv rw - tmpfs x rw\n`,
    );
    // systemd reads options of mounted file systems from libmount's utab: these keep them to the end
    expect(read("/run/mount/utab")).toBe(
      "SRC=afsboot TARGET=/afs ROOT=/ OPTS=x-initrd.mount\nSRC=%example.org:root.cell TARGET=/afs/example.org ROOT=/ OPTS=x-initrd.mount\n" +
        (deb.readonly.includes("usr") ? "SRC=#example.org:rel.deb12. TARGET=/usr ROOT=/usr OPTS=x-initrd.mount\n" : ""),
    );
    expect(read("hostname")).toBe("node001\n");
    expect(read("hosts")).toBe("127.0.0.1 localhost\n127.0.1.1\tnode001.example.org node001\n");
    expect(read("machine-id")).toBe("0123456789abcdef0123456789abcdef\n");
    // the tree's own lines stay, but those for the root and the read-only parts, which the initrd made
    const fstab = read("fstab")!;
    expect(fstab).toContain("\nnfs:/home /home nfs defaults 0 0\n");
    expect(fstab).toContain("# AFSBoot: this mount point is set up by the initrd: /dev/sda1 / ext4 errors=remount-ro 0 1\n");
    expect(fstab).toContain("# AFSBoot: this mount point is set up by the initrd: /dev/sda2 /usr ext4 ro 0 2\n");
    const lines = fstab.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toEqual([
      "nfs:/home /home nfs defaults 0 0",
      "afsboot /afs tmpfs x-initrd.mount 0 0",
      "%example.org:root.cell /afs/example.org afs x-initrd.mount 0 0",
      "%example.org:rel.deb12. /afs/example.org/boot/debian/12 afs x-initrd.mount 0 0",
      ...[...new Set(deb.readonly)].sort().map((d) => `/afs/example.org/boot/debian/12/${d} /${d} none bind,ro,x-initrd.mount 0 0`),
    ]);
    expect(read("systemd/network/10-afsboot-boot.link")).toContain("[Match]\nMACAddress=52:54:00:12:34:56\nOriginalName=eth0\n\n[Link]\nName=eth0\n");
  });

  it("keeps a hosts file that names the host, makes one when the tree has none, and leaves unknown values alone", () => {
    expect(hostFiles({ hosts: "10.0.0.11 node001\n" }, "HOST=node001").read("hosts")).toBe("10.0.0.11 node001\n");
    const none = hostFiles({ "machine-id": "" }, "HOST=node001 MACHINEID=", "domain=bad_domain\n");
    expect(none.read("hosts")).toBe("127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tnode001\n");
    expect(none.read("machine-id")).toBe(""); // systemd makes a transient one
    const openafs = hostFiles({}, "HOST= AFSBOOT_CLIENT=openafs", "", (r) => `AFS ${r}/afs afs rw 0 0\n`).read("fstab")!;
    expect(openafs).toMatch(/^# AFSBoot: [^]*\nAFS \/afs afs x-initrd\.mount 0 0\n/);
  });

  /** The switch section up to switch_root, on a new root that has the given /sbin/init. */
  const switchCheck = (make: (r: string) => void) => {
    const r = fs.mkdtempSync(path.join(tmp, "switch-"));
    for (const d of ["usr/sbin", "usr/lib/systemd"]) fs.mkdirSync(path.join(r, d), { recursive: true });
    fs.symlinkSync("usr/sbin", path.join(r, "sbin"));
    fs.symlinkSync("usr/lib", path.join(r, "lib"));
    make(r);
    const check = h.switchRoot.slice(0, h.switchRoot.indexOf('[ -z "$KMODPROBE" ]'));
    return busyboxSh(h.helpers + `fail() { echo "FAIL $1: $2"; exit 0; }\nR=${shQuote(r)}\n${check}echo OK\n`)
      .trim()
      .split("\n")
      .pop();
  };

  /** /init's helpers with /run/afsboot, /sys/firmware/efi and the lockdown file moved into a temporary directory. */
  const sysSh = (make: (d: string) => void, body: string) => {
    const d = fs.mkdtempSync(path.join(tmp, "sys-"));
    fs.mkdirSync(path.join(d, "run"));
    make(d);
    const helpers = h.helpers
      .replaceAll("/run/afsboot/", `${d}/run/`)
      .replaceAll("/sys/firmware/efi", `${d}/efi`)
      .replaceAll("/sys/kernel/security/lockdown", `${d}/lockdown`);
    // no module is loaded and nothing mounted on the machine that runs the test
    return busyboxSh(helpers + `fail() { echo "FAIL $1: $2"; exit 0; }\nmodload() { return 1; }\nmount() { return 1; }\n${body}\n`).trim();
  };
  const efivar = (d: string, value: number) => {
    fs.mkdirSync(path.join(d, "efi/efivars"), { recursive: true });
    fs.writeFileSync(path.join(d, "efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"), Buffer.from([6, 0, 0, 0, value]));
  };

  it("names the firmware: BIOS, UEFI, and UEFI's Secure Boot state from its variable", () => {
    expect(sysSh(() => {}, "firmware")).toBe("BIOS");
    expect(sysSh((d) => efivar(d, 1), "firmware")).toBe("UEFI, Secure Boot enabled");
    expect(sysSh((d) => efivar(d, 0), "firmware")).toBe("UEFI, Secure Boot disabled");
    // UEFI without Secure Boot (OVMF's plain build): its variables, but no SecureBoot among them
    const noSb = (d: string) => {
      fs.mkdirSync(path.join(d, "efi/efivars"), { recursive: true });
      fs.writeFileSync(path.join(d, "efi/efivars/BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c"), Buffer.from([6, 0, 0, 0, 2, 0]));
    };
    expect(sysSh(noSb, "firmware")).toBe("UEFI, no Secure Boot");
    // efivarfs could not be mounted (no efivarfs.ko in the base initrd)
    expect(sysSh((d) => fs.mkdirSync(path.join(d, "efi/efivars"), { recursive: true }), "firmware")).toBe("UEFI, Secure Boot state unknown (no efivarfs)");
  });

  it("fails naming a module the kernel refused for its signature, and only then", () => {
    const refused = (err: string, lockdown: string | null, sb = 1) =>
      sysSh((d) => {
        fs.writeFileSync(path.join(d, "run/modload.err"), err);
        if (lockdown !== null) fs.writeFileSync(path.join(d, "lockdown"), lockdown);
        efivar(d, sb);
      }, 'refused openafs afs "enrol the key"; echo LOADED-ON');
    expect(refused("modprobe: can't load module openafs (extra/openafs.ko): Required key not available\n", "[none] integrity confidentiality\n")).toBe(
      "FAIL afs: module openafs refused by the kernel: not signed by a key it trusts (UEFI, Secure Boot enabled: only signed modules load); enrol the key: modprobe: can't load module openafs (extra/openafs.ko): Required key not available",
    );
    expect(refused("insmod: can't insert 'openafs.ko': Key was rejected by service\n", null)).toMatch(
      /^FAIL afs: module openafs refused by the kernel: not signed by a key it trusts \(UEFI, Secure Boot enabled: only/,
    );
    // lockdown without signature enforcement answers EPERM
    expect(refused("modprobe: can't load module openafs: Operation not permitted\n", "none [integrity] confidentiality\n")).toMatch(
      /^FAIL afs: module openafs refused by the kernel: not signed by a key it trusts \(UEFI, Secure Boot enabled, lockdown integrity: only signed modules load\); enrol the key: /,
    );
    // EPERM without lockdown, or another error: not a refusal (the caller says what failed)
    expect(refused("modprobe: can't load module openafs: Operation not permitted\n", "[none] integrity confidentiality\n")).toBe("LOADED-ON");
    expect(refused("modprobe: module openafs not found in modules.dep\n", "none [integrity] confidentiality\n")).toBe("LOADED-ON");
  });

  it("checks /sbin/init inside the new root, following absolute links there, and names what it tried", () => {
    const exe = (r: string, mode = 0o755) => fs.writeFileSync(path.join(r, "usr/lib/systemd/systemd"), "#!/bin/sh\n", { mode });
    expect(switchCheck((r) => (exe(r), fs.symlinkSync("/lib/systemd/systemd", path.join(r, "usr/sbin/init"))))).toBe("OK");
    expect(switchCheck((r) => (exe(r), fs.symlinkSync("../lib/systemd/systemd", path.join(r, "usr/sbin/init"))))).toBe("OK");
    expect(switchCheck((r) => (exe(r, 0o644), fs.symlinkSync("/lib/systemd/systemd", path.join(r, "usr/sbin/init"))))).toBe(
      "FAIL switch: the new root's /sbin/init -> /lib/systemd/systemd is not an executable file",
    );
    expect(switchCheck((r) => fs.symlinkSync("/lib/systemd/systemd", path.join(r, "usr/sbin/init")))).toBe(
      "FAIL switch: the new root has no /sbin/init -> /lib/systemd/systemd",
    );
    expect(switchCheck(() => {})).toBe("FAIL switch: the new root has no /sbin/init");
    expect(switchCheck((r) => fs.mkdirSync(path.join(r, "usr/sbin/init")))).toBe("FAIL switch: the new root's /sbin/init is not an executable file");
    // a link loop ends
    expect(switchCheck((r) => fs.symlinkSync("/sbin/init", path.join(r, "usr/sbin/init")))).toMatch(/^FAIL switch: the new root/);
  });

  it("gives the new root the tree's other top-level directories and links", () => {
    const tree = fs.mkdtempSync(path.join(tmp, "tree-"));
    const r = fs.mkdtempSync(path.join(tmp, "root-"));
    for (const d of ["home", "srv", "tars", "usr", "etc"]) fs.mkdirSync(path.join(tree, d));
    fs.symlinkSync("usr/lib64", path.join(tree, "lib64"));
    fs.writeFileSync(path.join(tree, "README"), "a file at the top stays out\n");
    fs.mkdirSync(path.join(r, "etc"));
    fs.writeFileSync(path.join(r, "etc", "keep"), "");
    const loop = h.root.slice(h.root.indexOf("set +f"), h.root.indexOf("set -f") + "set -f".length);
    busyboxSh(`R=${shQuote(r)} TREE=${shQuote(tree)}\n${loop}\n`);
    expect(fs.readdirSync(r).sort()).toEqual(["etc", "home", "lib64", "srv", "usr"]);
    expect(fs.readlinkSync(path.join(r, "lib64"))).toBe("usr/lib64");
    expect(fs.readdirSync(path.join(r, "etc"))).toEqual(["keep"]);
  });
});

// ---- properties: arbitrary accepted values cannot break the scripts ----
const seg = fc.stringMatching(/^[A-Za-z0-9._+@%=:,-]{1,12}$/).filter((s) => s !== "." && s !== "..");
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const cellName = fc.array(label, { minLength: 2, maxLength: 4 }).map((a) => a.join("."));
const relDir = fc.array(seg, { minLength: 1, maxLength: 3 }).map((a) => a.join("/"));
const versionAndCell = cellName
  .chain((cell) =>
    fc.record({
      cell: fc.record({
        name: fc.constant(cell),
        client: fc.constantFrom("kafs" as const, "openafs" as const),
        servers: fc.array(fc.record({ name: fc.constant(`db.${cell}`), ip: fc.ipV4() }), { minLength: 1, maxLength: 4 }),
        bootRoot: fc.constant(`/afs/${cell}/boot`),
        cacheMemcache: fc.boolean(),
        cacheBlocks: fc.integer({ min: 1024, max: 67108864 }),
      }),
      release: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/),
      version: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/),
      tree: fc.array(seg, { minLength: 1, maxLength: 5 }).map((a) => `/afs/${cell}/${a.join("/")}`),
      modules: fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), { maxLength: 5 }),
      readonly: fc.uniqueArray(relDir, { minLength: 1, maxLength: 4 }),
      writable: fc.uniqueArray(relDir, { maxLength: 4 }),
      tmpfsSize: fc.stringMatching(/^([1-9]\d{0,8}[kKmMgG]?|([1-9]\d?|100)%)$/),
    }),
  )
  .map(({ cell, writable, ...v }) => ({
    cell: cell as SnapCell,
    version: { ...deb, ...v, writable: writable.filter((w) => !v.readonly.some((r) => w === r || w.startsWith(`${r}/`))) } as SnapVersion,
  }));

const CONF_VARS = [
  "AFSBOOT_RELEASE",
  "AFSBOOT_VERSION",
  "AFSBOOT_TREE",
  "AFSBOOT_CELL",
  "AFSBOOT_CELL_IPS",
  "AFSBOOT_MODULES",
  "AFSBOOT_READONLY",
  "AFSBOOT_TMPFS",
];

describe("properties", () => {
  it("afsboot.conf of any accepted version and cell parses everywhere and sources to the exact values", () => {
    fc.assert(
      fc.property(versionAndCell, ({ version, cell }) => {
        const file = tmpFile(overlayConf(version, cell));
        syntaxCheck(file);
        const expected = [
          version.release,
          version.version,
          version.tree,
          cell.name,
          cell.servers.map((s) => s.ip).join(" "),
          version.modules.join(" "),
          [...new Set(version.readonly)].sort().join(" "),
          version.tmpfsSize,
        ];
        for (const [sh, ...a] of SHELLS) {
          const out = run(sh, [...a, "-c", `. "$1"; printf '%s\\0' ${CONF_VARS.map((k) => `"$${k}"`).join(" ")}`, "sh", file]);
          expect(out.split("\0").slice(0, -1)).toEqual(expected);
        }
        // and /init's own checks accept what the console accepts
        expect(
          busyboxSh(
            h.helpers + `valid cell ${shQuote(cell.name)} && valid tree ${shQuote(version.tree)} && valid size ${shQuote(version.tmpfsSize)} && echo ok`,
          ),
        ).toBe("ok\n");
      }),
      { numRuns: 40 },
    );
  });

  it("shQuote: every shell prints the exact value back (no expansion, no injection)", () => {
    const nasty = fc.constantFrom(
      "'",
      '"',
      "\\",
      "$",
      "`",
      "\n",
      " ",
      "\t",
      "!",
      "*",
      "?",
      "[",
      "]",
      "~",
      "#",
      ";",
      "&",
      "|",
      "(",
      ")",
      "{",
      "}",
      "<",
      ">",
      "%",
      "é",
      "$(id)",
      "'\\''",
    );
    const value = fc.oneof(fc.string({ unit: nasty }), fc.string({ unit: "grapheme" }), fc.string());
    fc.assert(
      fc.property(
        fc.array(
          value.filter((s) => !s.includes("\0")),
          { minLength: 1, maxLength: 10 },
        ),
        (values) => {
          for (const [sh, ...a] of SHELLS) {
            const out = run(sh, [...a, "-c", `printf '%s\\0' ${values.map(shQuote).join(" ")}`]);
            expect(out.split("\0").slice(0, -1)).toEqual(values);
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(() => shQuote("a\0b")).toThrow(/NUL/);
  });

  it("/init's urlenc decodes to the message it was given (up to 600 bytes)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", maxLength: 60 }), { minLength: 1, maxLength: 8 }), (msgs) => {
        const out = busyboxSh(h.helpers + msgs.map((m) => `urlenc ${shQuote(m)}; echo\n`).join(""));
        expect(out.split("\n").slice(0, -1).map(decodeURIComponent)).toEqual(msgs.map((m) => Buffer.from(m).subarray(0, 600).toString()));
      }),
      { numRuns: 30 },
    );
  });
});

describe("/init's secrets bundle under busybox sh and openssl", () => {
  it("open_bundle checks the tag and decrypts what the console encrypted; a changed byte or another key is refused", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-bundle-"));
    try {
      const key = crypto.randomBytes(32);
      const archive = crypto.randomBytes(1000);
      fs.writeFileSync(path.join(dir, "bundle"), encryptBundle(key, archive));
      const open = (hex: string) =>
        busyboxSh(
          `${h.helpers}${h.identity}open_bundle ${hex} ${shQuote(`${dir}/bundle`)} ${shQuote(`${dir}/plain`)} && echo opened || echo "refused: $SECRETS_WHY"\n`,
        ).trim();
      expect(open(key.toString("hex"))).toBe("opened");
      expect(fs.readFileSync(path.join(dir, "plain")).equals(archive)).toBe(true);
      expect(open(crypto.randomBytes(32).toString("hex"))).toBe("refused: the bundle's tag does not match: altered on the way, or not for this key");
      const altered = encryptBundle(key, archive);
      altered[40] = altered[40]! ^ 1;
      fs.writeFileSync(path.join(dir, "bundle"), altered);
      expect(open(key.toString("hex"))).toBe("refused: the bundle's tag does not match: altered on the way, or not for this key");
      fs.writeFileSync(path.join(dir, "bundle"), Buffer.alloc(10));
      expect(open(key.toString("hex"))).toBe("refused: the bundle is too short (10 bytes)");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("unpack refuses an archive naming paths outside its folder (../, absolute)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-unpack-"));
    try {
      fs.mkdirSync(path.join(dir, "in/sub"), { recursive: true });
      fs.writeFileSync(path.join(dir, "in/evil"), "x");
      // GNU cpio writes what it is given: a name with ../ in it
      execFileSync("sh", ["-c", "echo ../evil | cpio -o -H newc --quiet > ../../bad.cpio"], { cwd: path.join(dir, "in/sub") });
      const out = busyboxSh(
        `${h.helpers}${h.identity.replaceAll("/run/afsboot", dir)}SECRETS=${dir}/secrets\nunpack ${dir}/bad.cpio && echo unpacked || echo "refused: $SECRETS_WHY"\n`,
      ).trim();
      expect(out).toBe("refused: the bundle names paths outside its folder");
      expect(fs.existsSync(path.join(dir, "evil"))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the proof /init sends is the console's", () => {
    const key = crypto.randomBytes(32);
    const id = crypto.randomBytes(16).toString("hex");
    expect(busyboxSh(`${h.helpers}${h.identity}hmac ${key.toString("hex")} afsboot-proof:${id}\n`).trim()).toBe(activationProof(key, id));
  });

  it("runs exactly the tpm2-tools commands the protocol's tests run against a real TPM (lib/tpm/host-commands.ts)", () => {
    const files = new Set<string>(Object.values(HOST_FILES));
    const word = (a: string) => (files.has(a) ? `"$d/${a}"` : a.startsWith("session:") ? `"session:$d/${a.slice(8)}"` : a);
    for (const cmds of Object.values(hostCommands)) for (const c of cmds) expect(h.identity).toContain(c.argv.map(word).join(" "));
  });
});

describe.skipIf(kdcMissing())("/init's AFS token: the real kinit against a real KDC", () => {
  it("gets a ticket with the host's keytab, then asks aklog-kafs for the cell; a KDC that is down fails at afs after 5 tries, naming kinit's reason", async () => {
    const kdc = await startKdc({ realm: "LAB.TEST" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-token-"));
    try {
      const principal = "host/node001.lab.test@LAB.TEST";
      fs.mkdirSync(path.join(dir, "secrets/etc"), { recursive: true });
      fs.mkdirSync(path.join(dir, "secrets/afsboot"), { recursive: true });
      await kdc.kadminLocal(`addprinc -randkey ${principal}`);
      await kdc.kadminLocal(`ktadd -k ${dir}/secrets/etc/krb5.keytab ${principal}`);
      fs.writeFileSync(path.join(dir, "secrets/afsboot/principal"), `${principal}\n`);
      fs.mkdirSync(path.join(dir, "bin"));
      fs.writeFileSync(path.join(dir, "bin/aklog-kafs"), `#!/bin/sh\necho "aklog-kafs $* ccache=$KRB5CCNAME" >${dir}/aklog\n`, { mode: 0o755 });
      const fn = h.afs.slice(h.afs.indexOf("NOTOKEN=\nafs_token() {"), h.afs.indexOf("\n}\n", h.afs.indexOf("afs_token() {")) + 3);
      expect(fn).toMatch(/^NOTOKEN=\nafs_token\(\) \{[\s\S]*\n\}\n$/);
      // the initramfs's paths in a folder of the test's; aklog-kafs and sleep are stand-ins (no kAFS here, no waiting)
      const script = (kdcs: string) =>
        `${h.helpers}SECRETS=${dir}/secrets CELL=lab.test AFSBOOT_CLIENT=kafs AFSBOOT_REALM=LAB.TEST AFSBOOT_KDCS='${kdcs}'\n` +
        `PATH=${dir}/bin:$PATH\nms() { echo 0; }\nmodload() { :; }\nsleep() { echo "sleep $1" >>${dir}/sleeps; }\n` +
        `fail() { echo "FAIL $1: $2"; exit 0; }\n` +
        fn.replaceAll("/etc/krb5.conf", `${dir}/krb5.conf`).replaceAll("/run/afsboot", dir) +
        `afs_token\necho "token: $princ"\n`;
      expect(busyboxSh(script(kdc.kdc)).trim().split("\n").pop()).toBe(`token: ${principal}`);
      expect(fs.readFileSync(path.join(dir, "aklog"), "utf8").trim()).toBe(`aklog-kafs lab.test LAB.TEST ccache=FILE:${dir}/krb5cc`);
      expect(fs.readFileSync(path.join(dir, "krb5.conf"), "utf8")).toContain(`kdc = ${kdc.kdc}`);
      await kdc.stop();
      const down = busyboxSh(script(kdc.kdc)).trim().split("\n").pop();
      expect(down).toMatch(
        new RegExp(
          `^FAIL afs: no Kerberos ticket for ${principal.replace(/[.@/]/g, "\\$&")} from ${kdc.kdc} after 5 tries: kinit: Cannot contact any KDC for realm 'LAB.TEST'`,
        ),
      );
      expect(fs.readFileSync(path.join(dir, "sleeps"), "utf8").trim().split("\n")).toEqual(["sleep 3", "sleep 3", "sleep 3", "sleep 3"]);
      // no keytab: the tree is read anonymously, saying why
      fs.rmSync(path.join(dir, "secrets/etc/krb5.keytab"));
      expect(
        busyboxSh(script(kdc.kdc) + 'echo "notoken: $NOTOKEN"\n')
          .trim()
          .split("\n")
          .pop(),
      ).toBe("notoken: this host has no keytab: it has no identity mode (afsboot.identity)");
    } finally {
      await kdc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
