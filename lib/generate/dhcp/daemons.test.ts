import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { DISCOVERY_FIXTURE, FIXTURE, HOOK_FIXTURE } from "../fixtures";
import { LAYOUT, type FleetSnapshot } from "../snapshot";
import { arbFleet } from "./arbitraries.test";
import { DEFAULT_KEA_HOOKS_DIR, dhcpFiles, generateDhcpd, generateDnsmasqConf, generateDnsmasqHosts, generateKea } from "./index";

// The generated files checked by the daemons themselves (ISC dhcpd 4.4, kea-dhcp4 2.2, dnsmasq
// 2.90): each exits 0 on a good file and non-zero, naming the line, on a bad one. Negative
// controls prove that the harness can fail.

const DHCPD = "/usr/sbin/dhcpd";
const KEA = "/usr/sbin/kea-dhcp4";
const DNSMASQ = "/usr/sbin/dnsmasq";
const missing = [DHCPD, KEA, DNSMASQ].filter((b) => !fs.existsSync(b));
/** kea-dhcp4 -t loads the hook libraries a config names (Debian: package kea-common). */
const RUN_SCRIPT = `${DEFAULT_KEA_HOOKS_DIR}/libdhcp_run_script.so`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "afsboot-dhcp-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let seq = 0;

interface Verdict {
  ok: boolean;
  output: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Verdict {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000, env: { ...process.env, ...env } });
  return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function write(name: string, content: string): string {
  const dir = path.join(tmp, String(++seq));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** -lf/-pf into the temp dir: dhcpd -t names them even though a check does not write them. */
function checkDhcpd(content: string): Verdict {
  const file = write("dhcpd.conf", content);
  return run(DHCPD, ["-4", "-t", "-cf", file, "-lf", `${file}.leases`, "-pf", `${file}.pid`]);
}

/** Lock and pid files into the temp dir, not /run/kea. */
function checkKea(content: string): Verdict {
  const file = write("kea-dhcp4.json", content);
  return run(KEA, ["-t", file], { KEA_LOCKFILE_DIR: path.dirname(file), KEA_PIDFILE_DIR: path.dirname(file) });
}

/**
 * `dnsmasq --test` does not read dhcp-hostsfile (a missing or broken hosts file passes), so the
 * hosts file is checked as what it is: dhcp-host options without the "dhcp-host=" prefix.
 */
function checkDnsmasq(conf: string, hosts: string): Verdict {
  const file = write("dnsmasq.conf", conf);
  const withHosts = write(
    "dnsmasq-with-hosts.conf",
    [
      `conf-file=${file}`,
      ...hosts
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => `dhcp-host=${l}`),
      "",
    ].join("\n"),
  );
  const a = run(DNSMASQ, ["--test", `--conf-file=${file}`]);
  const b = run(DNSMASQ, ["--test", `--conf-file=${withHosts}`]);
  return { ok: a.ok && b.ok, output: a.output + b.output };
}

/** Every network of a snapshot, in all three dialects; the dnsmasq hosts file is written where the conf names it. */
function checkAll(snap: FleetSnapshot): { what: string; verdict: Verdict }[] {
  const exportDir = path.join(tmp, `export-${++seq}`);
  const out: { what: string; verdict: Verdict }[] = [];
  for (const n of snap.networks) {
    const hosts = generateDnsmasqHosts(snap, n.name);
    fs.mkdirSync(path.join(exportDir, "dhcp"), { recursive: true });
    fs.writeFileSync(path.join(exportDir, LAYOUT.dnsmasqHosts(n.name)), hosts);
    out.push({ what: `dhcpd ${n.name}`, verdict: checkDhcpd(generateDhcpd(snap, n.name)) });
    out.push({ what: `kea ${n.name}`, verdict: checkKea(generateKea(snap, n.name)) });
    out.push({ what: `dnsmasq ${n.name}`, verdict: checkDnsmasq(generateDnsmasqConf(snap, n.name, { exportDir }), hosts) });
  }
  return out;
}

function expectAccepted(results: { what: string; verdict: Verdict }[]) {
  for (const r of results) expect(r.verdict.ok, `${r.what} rejected it:\n${r.verdict.output}`).toBe(true);
}

describe.skipIf(missing.length > 0)(`the real daemons (${missing.length ? `missing ${missing.join(", ")}` : "dhcpd, kea-dhcp4, dnsmasq"})`, () => {
  it("accept the FIXTURE files of every network", () => {
    expectAccepted(checkAll(FIXTURE));
  });

  it("accept the DISCOVERY_FIXTURE files (networks with a discovery range) of every network", () => {
    expectAccepted(checkAll(DISCOVERY_FIXTURE));
  });

  describe.skipIf(!fs.existsSync(RUN_SCRIPT))(`with the DHCP event hook (Kea loads ${RUN_SCRIPT})`, () => {
    it("accept the HOOK_FIXTURE files of every network (the scripts need not exist where the check runs)", () => {
      expect(HOOK_FIXTURE.networks.every((n) => n.dhcpEventHook && !fs.existsSync(n.dhcpEventHook))).toBe(true);
      expectAccepted(checkAll(HOOK_FIXTURE));
    });

    it("accept the hook scripts/hooks/afsboot-dhcp-event of this repository, where it lies", () => {
      const hook = path.resolve("scripts/hooks/afsboot-dhcp-event");
      const snap: FleetSnapshot = { ...HOOK_FIXTURE, networks: HOOK_FIXTURE.networks.map((n) => ({ ...n, dhcpEventHook: hook })) };
      expectAccepted(checkAll(snap));
    });

    it("kea-dhcp4 refuses a hooks directory without the run_script library: the check does load it", () => {
      const v = checkKea(generateKea(HOOK_FIXTURE, "lab-hook", { keaHooksDir: path.join(tmp, "no-kea-hooks") }));
      expect(v.ok).toBe(false);
      expect(v.output).toMatch(/libdhcp_run_script\.so/);
    });
  });

  it("dhcpd accepts the files of several networks included into one dhcpd.conf", () => {
    const parts = dhcpFiles(FIXTURE).filter((f) => f.path.startsWith("dhcp/dhcpd-"));
    const main = parts.map((f) => `include "${write(path.basename(f.path), f.content)}";`).join("\n");
    const v = checkDhcpd(`${main}\n`);
    expect(v.ok, v.output).toBe(true);
  });

  it("dhcpd accepts a network with a range and one without included together", () => {
    const lab = write("dhcpd-lab.conf", generateDhcpd(FIXTURE, "lab"));
    const render = write("dhcpd-render-discovery.conf", generateDhcpd(DISCOVERY_FIXTURE, "render-discovery"));
    const v = checkDhcpd(`include "${lab}";\ninclude "${render}";\n`);
    expect(v.ok, v.output).toBe(true);
  });

  describe("negative controls: the harness sees a broken file", () => {
    it("dhcpd", () => {
      const good = generateDhcpd(FIXTURE, "lab");
      expect(checkDhcpd(good).ok).toBe(true);
      expect(checkDhcpd(good.replace("fixed-address 10.0.0.11;", "fixed-address 10.0.0.11")).ok).toBe(false);
      expect(checkDhcpd(good.replace('option root-path "afs:', 'option root-path afs:"')).ok).toBe(false);
    });

    it("kea-dhcp4, syntax and meaning", () => {
      const good = JSON.parse(generateKea(FIXTURE, "lab"));
      expect(checkKea(JSON.stringify(good)).ok).toBe(true);
      expect(checkKea(JSON.stringify(good).slice(0, -2)).ok).toBe(false);
      const dup = structuredClone(good);
      dup.Dhcp4.subnet4[0].reservations[1]["ip-address"] = dup.Dhcp4.subnet4[0].reservations[0]["ip-address"];
      const v = checkKea(JSON.stringify(dup));
      expect(v.ok).toBe(false);
      expect(v.output).toMatch(/10\.0\.0\.11/);
      const outside = structuredClone(good);
      outside.Dhcp4.subnet4[0].reservations[0]["ip-address"] = "10.9.9.9";
      expect(checkKea(JSON.stringify(outside)).ok).toBe(false);
      const ranged = JSON.parse(generateKea(DISCOVERY_FIXTURE, "lab-discovery"));
      expect(checkKea(JSON.stringify(ranged)).ok).toBe(true);
      ranged.Dhcp4.subnet4[0].pools[0].pool = "10.0.1.200 - 10.0.1.220";
      expect(checkKea(JSON.stringify(ranged)).ok).toBe(false);
    });

    it("dhcpd, a pool", () => {
      const good = generateDhcpd(DISCOVERY_FIXTURE, "lab-discovery");
      expect(checkDhcpd(good).ok).toBe(true);
      expect(checkDhcpd(good.replace("range 10.0.0.200 10.0.0.220;", "range 10.0.1.200 10.0.1.220;")).ok).toBe(false);
    });

    it("dnsmasq, conf and hosts file", () => {
      const conf = generateDnsmasqConf(FIXTURE, "lab", { exportDir: tmp });
      const hosts = generateDnsmasqHosts(FIXTURE, "lab");
      expect(checkDnsmasq(conf, hosts).ok).toBe(true);
      expect(checkDnsmasq(conf.replace(",static,", ",statik,"), hosts).ok).toBe(false);
      expect(checkDnsmasq(`${conf}dhcp-boot\n`, hosts).ok).toBe(false);
      expect(checkDnsmasq(conf, hosts.replace("52:54:00:12:34:56", "52:54:00:12:34:56:zz")).ok).toBe(false);
      // what --test alone would miss: it never opens the hosts file
      expect(run(DNSMASQ, ["--test", `--conf-file=${write("d.conf", conf.replace(/^dhcp-hostsfile=.*$/m, "dhcp-hostsfile=/nonexistent/x.hosts"))}`]).ok).toBe(
        true,
      );
    });
  });

  it("accept every arbitrary valid fleet (property, 15 runs)", () => {
    fc.assert(
      fc.property(arbFleet(6), (snap) => {
        expectAccepted(checkAll(snap));
      }),
      { numRuns: 15 },
    );
  }, 60_000);
});
